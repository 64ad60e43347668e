// GroupCoordinator: which groups this coordinator serves. It serves the groups of the
// __consumer_offsets partitions its broker leads, once it has read them back: the broker reports
// leadership (begin_leading / stop_leading), the loader thread reads a newly led partition up to
// its log end into a map of its own and merges it under the mutex, so that network threads never
// wait for a long read.
#include <spdlog/spdlog.h>

#include "coordinator/group_coordinator.h"
#include "protocol/records.h"

namespace gregor::coordinator {
namespace {

constexpr size_t kMaxDecompressed = 64 << 20;

}  // namespace

int32_t GroupCoordinator::partition_of(const std::string& group_id) const {
  return offsets_partition_for(group_id, log_.partition_count());
}

// Kafka's order: a stopped coordinator, a partition still loading, a partition led elsewhere.
ErrorCode GroupCoordinator::ownership_error(const std::string& group_id) const {
  if (stopping_) return ErrorCode::kCoordinatorNotAvailable;
  auto it = partitions_.find(partition_of(group_id));
  if (it == partitions_.end() || it->second.ownership == Ownership::kNone) {
    return ErrorCode::kNotCoordinator;
  }
  if (it->second.ownership == Ownership::kLoading) return ErrorCode::kCoordinatorLoadInProgress;
  return ErrorCode::kNone;
}

void GroupCoordinator::prepare_storage() {
  log_.ensure_created();
}

void GroupCoordinator::begin_leading(int32_t partition, bool has_records) {
  std::lock_guard lock(mutex_);
  OffsetsPartition& state = partitions_[partition];
  if (state.ownership != Ownership::kNone) return;
  state.term = ++last_term_;
  if (!has_records) {
    // Nothing to read (a partition just created): served at once, so that the request that
    // made the topic finds its group's partition ready.
    state.ownership = Ownership::kLoaded;
    return;
  }
  state.ownership = Ownership::kLoading;
  loads_.push_back({partition, state.term});
  load_wake_.notify_all();
  spdlog::info("__consumer_offsets-{}: leading, loading its groups", partition);
}

void GroupCoordinator::stop_leading(int32_t partition) {
  Actions out;
  {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(partition);
    if (it == partitions_.end() || it->second.ownership == Ownership::kNone) return;
    it->second = {Ownership::kNone, ++last_term_};
    drop_groups(partition, out);
    spdlog::info("__consumer_offsets-{}: no longer leading, its groups unloaded", partition);
  }
  for (auto& action : out)
    action();
}

// The groups of `partition` leave memory; members waiting in a join or sync phase learn that
// this broker no longer coordinates them and look for the new coordinator.
void GroupCoordinator::drop_groups(int32_t partition, Actions& out) {
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (partition_of(it->first) != partition) {
      ++it;
      continue;
    }
    for (auto& [member_id, member] : it->second->members) {
      if (auto cb = std::exchange(member.awaiting_join, nullptr)) {
        out.push_back([cb, id = member_id] {
          JoinResult result;
          result.error = ErrorCode::kNotCoordinator;
          result.member_id = id;
          cb(result);
        });
      }
      if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
        out.push_back([cb] {
          SyncResult result;
          result.error = ErrorCode::kNotCoordinator;
          cb(result);
        });
      }
    }
    it = groups_.erase(it);
  }
}

void GroupCoordinator::wait_for_loads() {
  std::unique_lock lock(mutex_);
  loads_done_.wait(lock, [this] { return loads_.empty() || stopping_; });
}

void GroupCoordinator::run_loader() {
  std::unique_lock lock(mutex_);
  while (true) {
    load_wake_.wait(lock, [this] { return stopping_ || !loads_.empty(); });
    if (stopping_) break;
    const LoadTask task = loads_.front();
    const auto it = partitions_.find(task.partition);
    if (it != partitions_.end() && it->second.term == task.term) {
      lock.unlock();
      ErrorCode error = ErrorCode::kNone;
      Groups loaded = read_partition(task.partition, error);
      lock.lock();
      finish_load(task, error, std::move(loaded));
    }
    loads_.pop_front();
    loads_done_.notify_all();
  }
  loads_.clear();
  loads_done_.notify_all();
}

GroupCoordinator::Groups GroupCoordinator::read_partition(int32_t partition, ErrorCode& error) {
  Groups groups;
  std::vector<uint8_t> scratch;
  size_t records = 0;
  error = log_.read_all(partition, [&](protocol::ByteView batch) {
    const ErrorCode decoded =
        protocol::for_each_record(batch, scratch, kMaxDecompressed, [&](const auto& record) {
          if (!record.key) return;
          apply_record(groups, *record.key, record.value);
          ++records;
        });
    if (decoded != ErrorCode::kNone) {
      spdlog::warn("__consumer_offsets-{}: skipping an unreadable batch ({})", partition,
                   error_name(decoded));
    }
  });
  if (error == ErrorCode::kNone) {
    spdlog::info("__consumer_offsets-{}: loaded {} records, {} groups", partition, records,
                 groups.size());
  }
  return groups;
}

// Under the mutex. A load whose term has passed (leadership lost, maybe regained) is discarded.
void GroupCoordinator::finish_load(const LoadTask& task, ErrorCode error, Groups loaded) {
  OffsetsPartition& state = partitions_[task.partition];
  if (state.term != task.term || state.ownership != Ownership::kLoading) return;
  if (error != ErrorCode::kNone) {
    spdlog::error("__consumer_offsets-{}: cannot load its groups ({}); not serving them",
                  task.partition, error_name(error));
    state.ownership = Ownership::kNone;
    return;
  }
  for (auto& [id, group] : loaded)
    groups_[id] = std::move(group);
  state.ownership = Ownership::kLoaded;
}

ErrorCode GroupCoordinator::load() {
  const int32_t count = log_.partition_count();
  for (int32_t p = 0; p < count; ++p) {
    ErrorCode error = ErrorCode::kNone;
    Groups loaded = read_partition(p, error);
    if (error != ErrorCode::kNone) return error;
    std::lock_guard lock(mutex_);
    partitions_[p] = {Ownership::kLoading, ++last_term_};
    finish_load({p, last_term_}, error, std::move(loaded));
  }
  return ErrorCode::kNone;
}

void GroupCoordinator::apply_record(Groups& groups, protocol::ByteView key_bytes,
                                    std::optional<protocol::ByteView> value_bytes) {
  auto key = decode_key(key_bytes);
  if (!key) return;
  if (auto* offset_key = std::get_if<OffsetKey>(&*key)) {
    const TopicPartition tp{offset_key->topic, offset_key->partition};
    if (!value_bytes) {
      if (auto it = groups.find(offset_key->group); it != groups.end())
        it->second->offsets.erase(tp);
      return;
    }
    if (auto value = decode_offset_value(*value_bytes)) {
      get_or_create(groups, offset_key->group).offsets[tp] = {
          value->offset, value->leader_epoch, value->metadata, value->commit_timestamp};
    }
    return;
  }
  const auto& group_id = std::get<GroupKey>(*key).group;
  if (!value_bytes) {
    groups.erase(group_id);
    return;
  }
  if (auto value = decode_group_value(*value_bytes)) {
    restore_group(get_or_create(groups, group_id), *value);
  }
}

// The group as its last stored generation left it: Stable with those members (their sessions
// start at the load, so members that went away meanwhile expire as usual) or Empty. Members keep
// their ids and generation and carry on without a rebalance, also on a new coordinator.
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

}  // namespace gregor::coordinator
