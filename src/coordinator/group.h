// One consumer group as the coordinator keeps it in memory: its state in Kafka's classic
// rebalance protocol, its members and its committed offsets. Plain data plus the pure decisions
// (protocol selection, "has every member rejoined"); GroupCoordinator drives the transitions and
// guards every Group with its mutex.
//
//   Empty --join--> PreparingRebalance --all rejoined or rebalance timeout--> CompletingRebalance
//   CompletingRebalance --leader's SyncGroup stored--> Stable --join/leave/expiry--> Preparing...
//   any state --last member gone--> Empty;  DeleteGroups: Empty --> Dead (then forgotten)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error_code.h"
#include "common/topic_partition.h"
#include "coordinator/offsets_records.h"

namespace gregor::coordinator {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names, as ListGroups and DescribeGroups report them.
std::string_view state_name(GroupState state);

struct Protocol {
  std::string name;
  Bytes metadata;
  bool operator==(const Protocol&) const = default;
};

struct JoinResult {
  struct Member {
    std::string member_id;
    std::optional<std::string> instance_id;
    Bytes metadata;
  };
  ErrorCode error = ErrorCode::kNone;
  int32_t generation = -1;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<Member> members;  // filled for the leader only
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;

struct Member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  Bytes assignment;
  // A JoinGroup or SyncGroup request waiting for the rebalance to get there.
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  int64_t session_deadline_ms = 0;  // expires unless a heartbeat (or any request) renews it

  // The metadata this member sent for `protocol` (empty when it does not support it).
  const Bytes& metadata_for(const std::string& protocol) const;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
  // The coordinator's receive order of the commit (0: loaded from the log). Commits become
  // durable in any order (one flush completes many); the newest received one must win.
  uint64_t commit_order = 0;
};

struct Group {
  std::string id;
  GroupState state = GroupState::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  int64_t state_timestamp_ms = 0;  // wall time of the last state change (retention of Empty)
  std::map<std::string, Member> members;
  // KIP-394: member ids handed out with MEMBER_ID_REQUIRED, with the deadline to join.
  std::map<std::string, int64_t> pending_members;
  std::map<std::string, std::string> static_members;  // group.instance.id -> member id

  // While PreparingRebalance: when the join phase ends at the latest. The first rebalance of an
  // Empty group waits group.initial.rebalance.delay.ms, extended while new members keep coming.
  int64_t join_deadline_ms = 0;
  bool initial_join = false;
  bool new_member_added = false;
  int64_t initial_join_remaining_ms = 0;

  std::map<TopicPartition, CommittedOffset> offsets;

  bool all_members_joined() const;
  int32_t max_rebalance_timeout_ms() const;
  // True when a joining member with these protocols can be part of the group.
  bool supports(const std::string& type, const std::vector<Protocol>& protocols) const;
  // The protocol every member supports with the most first-choice votes.
  std::optional<std::string> select_protocol() const;
  // The "consumer" protocol topics the members subscribe to (for OffsetDelete).
  bool subscribed_to(const std::string& topic) const;
};

}  // namespace gregor::coordinator
