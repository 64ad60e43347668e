// Consumer-group calls of librdkafka's Admin API, as plain values for `gregor group`:
// DescribeConsumerGroups, ListConsumerGroupOffsets and AlterConsumerGroupOffsets. Each turns
// the broker's errors into one-line CliErrors that say what to fix.
//
//   Client client(options, Client::Kind::kProducer);
//   GroupInfo group = describe_group(client, "billing");   // CliError if unknown
//   auto offsets = committed_offsets(client, "billing");    // {{"orders", 0}, 42}, ...
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "common/topic_partition.h"

namespace gregor::cli {

struct GroupMember {
  std::string id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupInfo {
  std::string id;
  std::string state;  // Kafka's names: Empty, Stable, PreparingRebalance, ...
  std::string assignor;
  int32_t coordinator = -1;
  std::vector<GroupMember> members;

  bool active() const { return !members.empty() || (state != "Empty" && state != "Dead"); }
};

// CliError when `group` is empty, the whole line for the user.
void require_group_id(const std::string& group);

// The one line for a group the cluster does not know.
std::string unknown_group_message(const std::string& group);

// The group's state and members. `must_exist`: CliError for a group the coordinator does not know
// (it answers state Dead); otherwise such a group comes back with state "Dead" and no members.
GroupInfo describe_group(const Client& client, const std::string& group, bool must_exist = true);

// Every committed offset of the group.
std::map<TopicPartition, int64_t> committed_offsets(const Client& client, const std::string& group);

// Commits `offsets` for the group (which must have no active members).
void alter_offsets(const Client& client, const std::string& group,
                   const std::map<TopicPartition, int64_t>& offsets);

// "orders-2"
std::string partition_name(const TopicPartition& tp);

}  // namespace gregor::cli
