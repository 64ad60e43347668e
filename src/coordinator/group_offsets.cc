// GroupCoordinator: committed offsets, the __consumer_offsets records, loading at start-up,
// offset retention and group administration. Membership is in group_coordinator.cc.
#include "coordinator/group_coordinator.h"

#include <spdlog/spdlog.h>

#include "protocol/records.h"

namespace gregor::coordinator {
namespace {

constexpr size_t kMaxDecompressed = 64 << 20;

}  // namespace

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
  Actions out;
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    ErrorCode error = ErrorCode::kNone;
    if (!valid_group_id(group_id, true)) {
      error = ErrorCode::kInvalidGroupId;
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
      for (auto& commit : offsets) {
        commit.value.commit_timestamp = wall_();
        OffsetValue value{commit.value.offset, commit.value.leader_epoch, commit.value.metadata,
                          commit.value.commit_timestamp};
        records.emplace_back(encode_key(OffsetKey{group_id, commit.topic, commit.partition}),
                             encode_value(value));
      }
      append_records(
          group_id, std::move(records),
          [this, group_id, offsets = std::move(offsets), done](ErrorCode stored) {
            if (stored == ErrorCode::kNone) {
              std::lock_guard lock(mutex_);
              Group& g = get_or_create(group_id);
              for (const auto& commit : offsets)
                g.offsets[{commit.topic, commit.partition}] = commit.value;
            }
            done(stored == ErrorCode::kNone ? stored : ErrorCode::kCoordinatorNotAvailable);
          },
          out);
    }
  }
  for (auto& action : out)
    action();
}

std::vector<OffsetCommit> GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  std::lock_guard lock(mutex_);
  const Group* group = find(group_id);
  std::vector<OffsetCommit> result;
  if (!partitions) {
    if (!group) return result;
    for (const auto& [tp, value] : group->offsets)
      result.push_back({tp.first, tp.second, value});
    return result;
  }
  for (const auto& tp : *partitions) {
    OffsetCommit entry{tp.first, tp.second, {}};
    if (group) {
      if (auto it = group->offsets.find(tp); it != group->offsets.end()) entry.value = it->second;
    }
    result.push_back(std::move(entry));
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
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    if (!group) {
      error = ErrorCode::kGroupIdNotFound;
    } else if (group->state != GroupState::kEmpty && group->protocol_type != "consumer") {
      error = ErrorCode::kNonEmptyGroup;
    } else {
      std::vector<std::pair<Bytes, std::optional<Bytes>>> tombstones;
      for (const auto& tp : partitions) {
        if (group->state != GroupState::kEmpty && group->subscribed_to(tp.first)) {
          partition_errors.push_back(ErrorCode::kGroupSubscribedToTopic);
          continue;
        }
        partition_errors.push_back(ErrorCode::kNone);
        if (group->offsets.erase(tp) > 0) {
          tombstones.emplace_back(encode_key(OffsetKey{group_id, tp.first, tp.second}),
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

std::vector<GroupOverview> GroupCoordinator::list_groups() {
  std::lock_guard lock(mutex_);
  std::vector<GroupOverview> result;
  for (const auto& [id, group] : groups_)
    result.push_back({id, group->protocol_type, group->state});
  return result;
}

GroupDescription GroupCoordinator::describe(const std::string& group_id) {
  std::lock_guard lock(mutex_);
  GroupDescription result;
  result.group_id = group_id;
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
  Actions out;
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    if (!group) return done(ErrorCode::kGroupIdNotFound);
    if (group->state != GroupState::kEmpty || !group->pending_members.empty()) {
      return done(ErrorCode::kNonEmptyGroup);
    }
    set_state(*group, GroupState::kDead);
    std::vector<std::pair<Bytes, std::optional<Bytes>>> tombstones;
    for (const auto& [tp, value] : group->offsets) {
      tombstones.emplace_back(encode_key(OffsetKey{group_id, tp.first, tp.second}), std::nullopt);
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
        tombstones.emplace_back(encode_key(OffsetKey{group.id, o->first.first, o->first.second}),
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

void GroupCoordinator::apply_record(protocol::ByteView key_bytes,
                                    std::optional<protocol::ByteView> value_bytes) {
  auto key = decode_key(key_bytes);
  if (!key) return;
  if (auto* offset_key = std::get_if<OffsetKey>(&*key)) {
    const TopicPartition tp{offset_key->topic, offset_key->partition};
    if (!value_bytes) {
      if (Group* group = find(offset_key->group)) group->offsets.erase(tp);
      return;
    }
    if (auto value = decode_offset_value(*value_bytes)) {
      get_or_create(offset_key->group).offsets[tp] = {value->offset, value->leader_epoch,
                                                      value->metadata, value->commit_timestamp};
    }
    return;
  }
  const auto& group_id = std::get<GroupKey>(*key).group;
  if (!value_bytes) {
    groups_.erase(group_id);
    return;
  }
  if (auto value = decode_group_value(*value_bytes)) restore_group(get_or_create(group_id), *value);
}

// The group as its last stored generation left it: Stable with those members (their sessions
// start now, so members that went away while the broker was down expire as usual) or Empty.
// Members keep their ids and generation and carry on without a rebalance.
void GroupCoordinator::restore_group(Group& group, const GroupValue& value) {
  group.generation = value.generation;
  group.protocol_type = value.protocol_type;
  group.protocol_name = value.protocol;
  group.leader = value.leader.value_or("");
  group.members.clear();
  group.static_members.clear();
  group.pending_members.clear();
  for (const MemberRecord& record : value.members) {
    Member member;
    member.id = record.member_id;
    member.instance_id = record.instance_id;
    member.client_id = record.client_id;
    member.client_host = record.client_host;
    member.session_timeout_ms = record.session_timeout_ms;
    member.rebalance_timeout_ms = record.rebalance_timeout_ms;
    member.protocol_type = value.protocol_type;
    if (value.protocol) member.protocols.push_back({*value.protocol, record.subscription});
    member.assignment = record.assignment;
    renew_session(member);
    if (member.instance_id) group.static_members[*member.instance_id] = member.id;
    group.members[member.id] = std::move(member);
  }
  group.state = group.members.empty() ? GroupState::kEmpty : GroupState::kStable;
  if (value.state_timestamp > 0) group.state_timestamp_ms = value.state_timestamp;
}

ErrorCode GroupCoordinator::load() {
  std::lock_guard lock(mutex_);
  std::vector<uint8_t> scratch;
  size_t records = 0;
  for (int32_t p = 0; p < log_.partition_count(); ++p) {
    const ErrorCode error = log_.read_all(p, [&](protocol::ByteView batch) {
      const ErrorCode decoded =
          protocol::for_each_record(batch, scratch, kMaxDecompressed, [&](const auto& record) {
            if (!record.key) return;
            apply_record(*record.key, record.value);
            ++records;
          });
      if (decoded != ErrorCode::kNone) {
        spdlog::warn("__consumer_offsets-{}: skipping an unreadable batch ({})", p,
                     error_name(decoded));
      }
    });
    if (error != ErrorCode::kNone) return error;
  }
  spdlog::info("group coordinator loaded {} records: {} groups", records, groups_.size());
  return ErrorCode::kNone;
}

}  // namespace gregor::coordinator
