// GroupCoordinator: committed offsets, the __consumer_offsets records, offset retention and
// group administration. Membership is in group_coordinator.cc, loading in group_loading.cc.
#include "coordinator/group_coordinator.h"

#include <spdlog/spdlog.h>

#include "protocol/records.h"

namespace gregor::coordinator {

void GroupCoordinator::append_records(const std::string& group_id,
                                      std::vector<std::pair<Bytes, std::optional<Bytes>>> records,
                                      std::function<void(ErrorCode)> done, Actions& out) {
  const int64_t now = wall_();
  std::vector<protocol::RecordInput> inputs;
  inputs.reserve(records.size());
  for (const auto& [key, value] : records) {
    protocol::RecordInput input;
    input.timestamp = now;
    input.key = protocol::ByteView(key);
    if (value) input.value = protocol::ByteView(*value);
    inputs.push_back(input);
  }
  std::vector<uint8_t> batch;
  const ErrorCode encoded = protocol::encode_batch(inputs, {}, batch);
  if (encoded != ErrorCode::kNone) {
    out.push_back([done, encoded] { done(encoded); });
    return;
  }
  const int32_t partition = offsets_partition_for(group_id, log_.partition_count());
  // The append runs after the mutex is released: its callback may come back synchronously.
  out.push_back([this, partition, batch = std::move(batch), done]() mutable {
    log_.append(partition, std::move(batch), std::move(done));
  });
}

void GroupCoordinator::store_group(Group& group, std::map<std::string, Bytes> assignments,
                                   Actions& out) {
  GroupValue value;
  value.protocol_type = group.protocol_type;
  value.generation = group.generation;
  value.protocol = group.protocol_name;
  if (!group.leader.empty()) value.leader = group.leader;
  value.state_timestamp = group.state_timestamp_ms;
  for (const auto& [id, member] : group.members) {
    MemberRecord record;
    record.member_id = id;
    record.instance_id = member.instance_id;
    record.client_id = member.client_id;
    record.client_host = member.client_host;
    record.rebalance_timeout_ms = member.rebalance_timeout_ms;
    record.session_timeout_ms = member.session_timeout_ms;
    if (group.protocol_name) record.subscription = member.metadata_for(*group.protocol_name);
    if (auto it = assignments.find(id); it != assignments.end()) record.assignment = it->second;
    value.members.push_back(std::move(record));
  }
  std::function<void(ErrorCode)> done = [](ErrorCode) {};
  if (group.state == GroupState::kCompletingRebalance) {
    done = [this, id = group.id, generation = group.generation,
            assignments = std::move(assignments)](ErrorCode error) mutable {
      finish_sync(id, generation, std::move(assignments), error);
    };
  }
  append_records(group.id, {{encode_key(GroupKey{group.id}), encode_value(value)}}, std::move(done),
                 out);
}

void GroupCoordinator::commit_offsets(const std::string& group_id, int32_t generation,
                                      const std::string& member_id,
                                      const std::optional<std::string>& instance_id,
                                      std::vector<OffsetCommit> offsets,
                                      std::function<void(ErrorCode)> done) {
  prepare_storage();
  Actions out;
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    ErrorCode error = ErrorCode::kNone;
    if (!valid_group_id(group_id, true)) {
      error = ErrorCode::kInvalidGroupId;
    } else if (const ErrorCode owner = ownership_error(group_id); owner != ErrorCode::kNone) {
      error = owner;
    } else if (!group) {
      // Without a group, only a consumer that does not use group management may commit.
      if (generation >= 0) error = ErrorCode::kIllegalGeneration;
    } else if (instance_id && group->static_members.contains(*instance_id) &&
               group->static_members.at(*instance_id) != member_id) {
      error = ErrorCode::kFencedInstanceId;
    } else if (generation < 0 && group->state == GroupState::kEmpty) {
      // A simple consumer storing its offsets in an unused group.
    } else if (group->state == GroupState::kCompletingRebalance) {
      error = ErrorCode::kRebalanceInProgress;
    } else if (!group->members.contains(member_id)) {
      error = ErrorCode::kUnknownMemberId;
    } else if (generation != group->generation) {
      error = ErrorCode::kIllegalGeneration;
    } else {
      renew_session(group->members.at(member_id));
    }
    if (error != ErrorCode::kNone || offsets.empty()) {
      out.push_back([done, error] { done(error); });
    } else {
      if (!group) get_or_create(group_id);
      std::vector<std::pair<Bytes, std::optional<Bytes>>> records;
      const uint64_t order = ++last_commit_order_;
      for (auto& commit : offsets) {
        commit.value.commit_timestamp = wall_();
        commit.value.commit_order = order;
        OffsetValue value{commit.value.offset, commit.value.leader_epoch, commit.value.metadata,
                          commit.value.commit_timestamp};
        records.emplace_back(encode_key(OffsetKey{group_id, commit.topic, commit.partition}),
                             encode_value(value));
      }
      append_records(
          group_id, std::move(records),
          [this, group_id, offsets = std::move(offsets), done](ErrorCode stored) {
            // Stored means on the ISR; kept in memory only while this broker still leads.
            if (stored == ErrorCode::kNone) {
              std::lock_guard lock(mutex_);
              if (ownership_error(group_id) == ErrorCode::kNone) {
                Group& g = get_or_create(group_id);
                for (const auto& commit : offsets) {
                  CommittedOffset& held = g.offsets[{commit.topic, commit.partition}];
                  if (commit.value.commit_order > held.commit_order) held = commit.value;
                }
              }
            }
            done(store_failure(stored));
          },
          out);
    }
  }
  for (auto& action : out)
    action();
}

FetchedOffsets GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  prepare_storage();
  std::lock_guard lock(mutex_);
  FetchedOffsets result;
  result.error = ownership_error(group_id);
  if (result.error != ErrorCode::kNone) return result;
  const Group* group = find(group_id);
  if (!partitions) {
    if (!group) return result;
    for (const auto& [tp, value] : group->offsets)
      result.offsets.push_back({tp.topic, tp.partition, value});
    return result;
  }
  for (const auto& tp : *partitions) {
    OffsetCommit entry{tp.topic, tp.partition, {}};
    if (group) {
      if (auto it = group->offsets.find(tp); it != group->offsets.end()) entry.value = it->second;
    }
    result.offsets.push_back(std::move(entry));
  }
  return result;
}

void GroupCoordinator::delete_offsets(const std::string& group_id,
                                      const std::vector<TopicPartition>& partitions,
                                      DeleteOffsetsCallback done) {
  Actions out;
  ErrorCode error = ErrorCode::kNone;
  std::vector<ErrorCode> partition_errors;
  bool appending = false;
  prepare_storage();
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    error = ownership_error(group_id);
    if (error != ErrorCode::kNone) {
      // Served by the partition's leader only.
    } else if (!group) {
      error = ErrorCode::kGroupIdNotFound;
    } else if (group->state != GroupState::kEmpty && group->protocol_type != "consumer") {
      error = ErrorCode::kNonEmptyGroup;
    } else {
      std::vector<std::pair<Bytes, std::optional<Bytes>>> tombstones;
      for (const auto& tp : partitions) {
        if (group->state != GroupState::kEmpty && group->subscribed_to(tp.topic)) {
          partition_errors.push_back(ErrorCode::kGroupSubscribedToTopic);
          continue;
        }
        partition_errors.push_back(ErrorCode::kNone);
        if (group->offsets.erase(tp) > 0) {
          tombstones.emplace_back(encode_key(OffsetKey{group_id, tp.topic, tp.partition}),
                                  std::nullopt);
        }
      }
      if (!tombstones.empty()) {
        appending = true;
        append_records(
            group_id, std::move(tombstones),
            [done, partition_errors](ErrorCode stored) { done(stored, partition_errors); }, out);
      }
    }
  }
  if (!appending) out.push_back([&] { done(error, std::move(partition_errors)); });
  for (auto& action : out)
    action();
}

GroupListing GroupCoordinator::list_groups() {
  std::lock_guard lock(mutex_);
  GroupListing result;
  for (const auto& [partition, state] : partitions_) {
    if (state.ownership == Ownership::kLoading)
      result.error = ErrorCode::kCoordinatorLoadInProgress;
  }
  for (const auto& [id, group] : groups_)
    result.groups.push_back({id, group->protocol_type, group->state});
  return result;
}

GroupDescription GroupCoordinator::describe(const std::string& group_id) {
  prepare_storage();
  std::lock_guard lock(mutex_);
  GroupDescription result;
  result.group_id = group_id;
  result.error = ownership_error(group_id);
  if (result.error != ErrorCode::kNone) return result;
  const Group* group = find(group_id);
  if (!group) return result;  // Kafka describes an unknown group as Dead, without an error
  result.state = group->state;
  result.protocol_type = group->protocol_type;
  // As Kafka: member metadata and assignments only once the group is Stable.
  const bool stable = group->state == GroupState::kStable;
  if (stable && group->protocol_name) result.protocol_name = *group->protocol_name;
  for (const auto& [id, member] : group->members) {
    GroupDescription::MemberInfo info{
        id, member.instance_id, member.client_id, member.client_host, {}, {}};
    if (stable && group->protocol_name) {
      info.metadata = member.metadata_for(*group->protocol_name);
      info.assignment = member.assignment;
    }
    result.members.push_back(std::move(info));
  }
  return result;
}

void GroupCoordinator::delete_group(const std::string& group_id,
                                    std::function<void(ErrorCode)> done) {
  prepare_storage();
  Actions out;
  {
    std::unique_lock lock(mutex_);
    const ErrorCode error = ownership_error(group_id);
    Group* group = find(group_id);
    if (error != ErrorCode::kNone || !group) {
      lock.unlock();
      return done(error != ErrorCode::kNone ? error : ErrorCode::kGroupIdNotFound);
    }
    // A session that ended a moment ago ends now, not on the timer's next round.
    expire_sessions(*group, steady_(), out);
    if (group->state != GroupState::kEmpty || !group->pending_members.empty()) {
      lock.unlock();
      for (auto& action : out)
        action();
      return done(ErrorCode::kNonEmptyGroup);
    }
    set_state(*group, GroupState::kDead);
    std::vector<std::pair<Bytes, std::optional<Bytes>>> tombstones;
    for (const auto& [tp, value] : group->offsets) {
      tombstones.emplace_back(encode_key(OffsetKey{group_id, tp.topic, tp.partition}),
                              std::nullopt);
    }
    tombstones.emplace_back(encode_key(GroupKey{group_id}), std::nullopt);
    append_records(group_id, std::move(tombstones), std::move(done), out);
    groups_.erase(group_id);
  }
  for (auto& action : out)
    action();
}

// offsets.retention.minutes: the offsets of a group left Empty for that long are deleted (a
// group that never had members, i.e. simple consumers, counts each offset from its commit).
void GroupCoordinator::expire_offsets(Actions& out) {
  const int64_t now = steady_();
  if (now < next_retention_check_ms_) return;
  next_retention_check_ms_ = now + config_.offsets_retention_check_interval_ms;
  const int64_t wall = wall_();
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = *it->second;
    if (group.state != GroupState::kEmpty || !group.pending_members.empty()) {
      ++it;
      continue;
    }
    std::vector<std::pair<Bytes, std::optional<Bytes>>> tombstones;
    for (auto o = group.offsets.begin(); o != group.offsets.end();) {
      const int64_t since =
          group.protocol_type.empty() ? o->second.commit_timestamp : group.state_timestamp_ms;
      if (since + config_.offsets_retention_ms <= wall) {
        tombstones.emplace_back(encode_key(OffsetKey{group.id, o->first.topic, o->first.partition}),
                                std::nullopt);
        o = group.offsets.erase(o);
      } else {
        ++o;
      }
    }
    const bool forget = group.offsets.empty() && !tombstones.empty();
    if (forget) tombstones.emplace_back(encode_key(GroupKey{group.id}), std::nullopt);
    if (!tombstones.empty()) {
      spdlog::info("group {}: {} offsets expired", group.id, tombstones.size() - (forget ? 1 : 0));
      append_records(
          group.id, std::move(tombstones), [](ErrorCode) {}, out);
    }
    it = forget ? groups_.erase(it) : std::next(it);
  }
}

}  // namespace gregor::coordinator
