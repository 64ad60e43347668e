#include "cli/group_admin.h"

#include <fmt/format.h>

#include <memory>

#include "cli/cli_error.h"

namespace gregor::cli {
namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

std::vector<TopicPartition> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; list && i < list->cnt; ++i)
    out.emplace_back(list->elems[i].topic, list->elems[i].partition);
  std::sort(out.begin(), out.end());
  return out;
}

GroupMember member_of(const rd_kafka_MemberDescription_t* member) {
  const auto* assignment = rd_kafka_MemberDescription_assignment(member);
  return {rd_kafka_MemberDescription_consumer_id(member),
          rd_kafka_MemberDescription_client_id(member), rd_kafka_MemberDescription_host(member),
          partitions_of(assignment ? rd_kafka_MemberAssignment_partitions(assignment) : nullptr)};
}

// The group-level error of an offsets result, then each partition's.
void check_group_result(const Client& client, const rd_kafka_group_result_t* result,
                        const std::string& group, const std::string& what) {
  if (const auto* error = rd_kafka_group_result_error(result)) {
    const auto code = rd_kafka_error_code(error);
    if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) throw CliError(unknown_group_message(group));
    check(client, code, fmt::format("{} of group '{}'", what, group));
  }
  const auto* partitions = rd_kafka_group_result_partitions(result);
  for (int i = 0; partitions && i < partitions->cnt; ++i) {
    const auto& tp = partitions->elems[i];
    if (tp.err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
        tp.err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
        tp.err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION) {
      throw CliError(fmt::format(
          "group '{}' has active members now: stop its consumers, then try again", group));
    }
    check(client, tp.err,
          fmt::format("{} of group '{}' for {}", what, group,
                      partition_name({tp.topic, tp.partition})));
  }
}

// The single group result of a ListConsumerGroupOffsets or AlterConsumerGroupOffsets event.
const rd_kafka_group_result_t* single_result(const rd_kafka_group_result_t** results, size_t count,
                                             const std::string& group) {
  if (count != 1) throw CliError(fmt::format("the broker did not answer for group '{}'", group));
  return results[0];
}

}  // namespace

std::string partition_name(const TopicPartition& tp) {
  return fmt::format("{}-{}", tp.topic, tp.partition);
}

void require_group_id(const std::string& group) {
  if (group.empty())
    throw CliError("the group id is empty: name a group (see `gregor group list`)");
}

std::string unknown_group_message(const std::string& group) {
  return fmt::format("unknown group '{}': see `gregor group list`", group);
}

GroupInfo describe_group(const Client& client, const std::string& group, bool must_exist) {
  require_group_id(group);
  const char* groups[] = {group.c_str()};
  Event event = client.admin([&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_DescribeConsumerGroups(client.handle(), groups, 1, options, queue);
  });
  size_t count = 0;
  const auto** descriptions = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) throw CliError(fmt::format("the broker did not describe group '{}'", group));
  const auto* description = descriptions[0];
  GroupInfo info{group, "Dead", "", -1, {}};
  if (const auto* error = rd_kafka_ConsumerGroupDescription_error(description)) {
    const auto code = rd_kafka_error_code(error);
    if (code != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
      check(client, code, fmt::format("describe group '{}'", group));
    }
  } else {
    info.state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(description));
    info.assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(description);
    if (const auto* node = rd_kafka_ConsumerGroupDescription_coordinator(description)) {
      info.coordinator = rd_kafka_Node_id(node);
    }
    const size_t members = rd_kafka_ConsumerGroupDescription_member_count(description);
    for (size_t i = 0; i < members; ++i) {
      info.members.push_back(member_of(rd_kafka_ConsumerGroupDescription_member(description, i)));
    }
  }
  if (must_exist && info.state == "Dead") throw CliError(unknown_group_message(group));
  return info;
}

std::map<TopicPartition, int64_t> committed_offsets(const Client& client,
                                                    const std::string& group) {
  require_group_id(group);
  auto* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);  // every one
  Event event = client.admin([&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_ListConsumerGroupOffsets(client.handle(), &request, 1, options, queue);
  });
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  size_t count = 0;
  const auto** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
  const auto* result = single_result(results, count, group);
  check_group_result(client, result, group, "committed offsets");
  std::map<TopicPartition, int64_t> out;
  const auto* partitions = rd_kafka_group_result_partitions(result);
  for (int i = 0; partitions && i < partitions->cnt; ++i) {
    const auto& tp = partitions->elems[i];
    if (tp.offset >= 0) out[{tp.topic, tp.partition}] = tp.offset;
  }
  return out;
}

void alter_offsets(const Client& client, const std::string& group,
                   const std::map<TopicPartition, int64_t>& offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  auto* request = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  Event event = client.admin([&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_AlterConsumerGroupOffsets(client.handle(), &request, 1, options, queue);
  });
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  size_t count = 0;
  const auto** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
  check_group_result(client, single_result(results, count, group), group, "commit offsets");
}

}  // namespace gregor::cli
