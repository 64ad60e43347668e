// GroupCoordinator: membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and the timers.
// Offsets, loading and administration are in group_offsets.cc. The rules follow Kafka's
// GroupCoordinator (classic protocol); where Gregor simplifies, docs/groups.md says so.
#include "coordinator/group_coordinator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/clock.h"
#include "common/thread_name.h"

namespace gregor::coordinator {
namespace {

int64_t steady_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Kafka's member ids: "<client id>-<random UUID>".
std::string new_member_id(const std::string& client_id) {
  const auto uuid = protocol::Uuid::random().bytes;
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
                uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
                uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
  return client_id + "-" + text;
}

JoinResult join_error(ErrorCode error, std::string member_id = "") {
  JoinResult result;
  result.error = error;
  result.member_id = std::move(member_id);
  return result;
}

SyncResult sync_error(ErrorCode error) {
  SyncResult result;
  result.error = error;
  return result;
}

}  // namespace

GroupCoordinator::GroupCoordinator(GroupConfig config, OffsetsLog& log, Clock steady, Clock wall)
    : config_(config),
      log_(log),
      steady_(steady ? std::move(steady) : Clock(steady_now)),
      wall_(wall ? std::move(wall) : Clock(wall_clock_ms)) {}

GroupCoordinator::~GroupCoordinator() {
  stop();
}

void GroupCoordinator::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "group-timers");
  loader_ = std::thread([this] { run_loader(); });
  name_thread(loader_, "group-loader");
}

// A wake-up at the latest this often bounds the cost of a deadline set without schedule().
constexpr int64_t kLongestSleepMs = 1000;

void GroupCoordinator::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const int64_t wait = std::clamp<int64_t>(next_wake_ms_ - steady_(), 0, kLongestSleepMs);
    if (wait > 0) {
      // Woken early by stop() or by a deadline set sooner (schedule()): look again.
      wake_.wait_for(lock, std::chrono::milliseconds(wait));
      if (steady_() < next_wake_ms_) continue;
    }
    if (stopping_) break;
    lock.unlock();
    tick();
    lock.lock();
  }
}

void GroupCoordinator::schedule(int64_t deadline_ms) {
  if (deadline_ms >= next_wake_ms_) return;
  next_wake_ms_ = deadline_ms;
  wake_.notify_all();
}

int64_t GroupCoordinator::next_deadline_ms() const {
  int64_t next = next_retention_check_ms_;
  for (const auto& [_, group] : groups_) {
    for (const auto& [id, deadline] : group->pending_members)
      next = std::min(next, deadline);
    for (const auto& [id, member] : group->members) {
      if (!member.awaiting_join && !member.awaiting_sync)
        next = std::min(next, member.session_deadline_ms);
    }
    if (group->state == GroupState::kPreparingRebalance)
      next = std::min(next, group->join_deadline_ms);
  }
  return next;
}

void GroupCoordinator::stop() {
  Actions out;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    load_wake_.notify_all();
    loads_done_.notify_all();
    for (auto& [id, group] : groups_) {
      for (auto& [member_id, member] : group->members) {
        if (auto cb = std::exchange(member.awaiting_join, nullptr)) {
          out.push_back([cb] { cb(join_error(ErrorCode::kCoordinatorNotAvailable)); });
        }
        if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
          out.push_back([cb] { cb(sync_error(ErrorCode::kCoordinatorNotAvailable)); });
        }
      }
    }
  }
  if (thread_.joinable()) thread_.join();
  if (loader_.joinable()) loader_.join();
  for (auto& action : out)
    action();
}

Group* GroupCoordinator::find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::get_or_create(const std::string& group_id) {
  return get_or_create(groups_, group_id);
}

Group& GroupCoordinator::get_or_create(Groups& groups, const std::string& group_id) {
  auto& slot = groups[group_id];
  if (!slot) {
    slot = std::make_unique<Group>();
    slot->id = group_id;
    slot->state_timestamp_ms = wall_();
  }
  return *slot;
}

void GroupCoordinator::set_state(Group& group, GroupState state) {
  group.state = state;
  group.state_timestamp_ms = wall_();
}

void GroupCoordinator::renew_session(Member& member) {
  member.session_deadline_ms = steady_() + member.session_timeout_ms;
  schedule(member.session_deadline_ms);
}

void GroupCoordinator::join(JoinParams params, JoinCallback done) {
  if (!valid_group_id(params.group_id, false))
    return done(join_error(ErrorCode::kInvalidGroupId, params.member_id));
  if (params.session_timeout_ms < config_.min_session_timeout_ms ||
      params.session_timeout_ms > config_.max_session_timeout_ms) {
    return done(join_error(ErrorCode::kInvalidSessionTimeout, params.member_id));
  }
  if (params.rebalance_timeout_ms < 0) params.rebalance_timeout_ms = params.session_timeout_ms;
  prepare_storage();
  Actions out;
  {
    std::unique_lock lock(mutex_);
    if (const ErrorCode error = ownership_error(params.group_id); error != ErrorCode::kNone) {
      lock.unlock();
      return done(join_error(error, params.member_id));
    }
    Group* group = find(params.group_id);
    if (!group && !params.member_id.empty()) {
      done(join_error(ErrorCode::kUnknownMemberId, params.member_id));
      return;
    }
    if (!group) group = &get_or_create(params.group_id);
    if (!group->supports(params.protocol_type, params.protocols)) {
      out.push_back([done, id = params.member_id] {
        done(join_error(ErrorCode::kInconsistentGroupProtocol, id));
      });
    } else if (params.member_id.empty()) {
      join_new_member(*group, params, done, out);
    } else {
      join_known_member(*group, params, done, out);
    }
    // A group made for a join that failed holds nothing: forget it.
    if (group->members.empty() && group->pending_members.empty() && group->offsets.empty() &&
        group->generation == 0 && group->state == GroupState::kEmpty) {
      groups_.erase(params.group_id);
    }
  }
  for (auto& action : out)
    action();
}

void GroupCoordinator::join_new_member(Group& group, JoinParams& params, JoinCallback& done,
                                       Actions& out) {
  if (params.instance_id && group.static_members.contains(*params.instance_id)) {
    return replace_static_member(group, params, done, out);
  }
  const std::string id = new_member_id(params.client_id);
  if (!params.instance_id && params.require_known_member_id) {
    // KIP-394: the client must come back with this id; until then it holds no place in the
    // group but the rebalance waits for it (for at most its session timeout).
    group.pending_members[id] = steady_() + params.session_timeout_ms;
    schedule(group.pending_members[id]);
    out.push_back([done, id] { done(join_error(ErrorCode::kMemberIdRequired, id)); });
    return;
  }
  add_member_and_rebalance(group, id, params, std::move(done), out);
}

void GroupCoordinator::join_known_member(Group& group, JoinParams& params, JoinCallback& done,
                                         Actions& out) {
  const std::string& id = params.member_id;
  if (group.pending_members.contains(id)) {
    return add_member_and_rebalance(group, id, params, std::move(done), out);
  }
  if (params.instance_id) {
    auto it = group.static_members.find(*params.instance_id);
    if (it != group.static_members.end() && it->second != id) {
      out.push_back([done, id] { done(join_error(ErrorCode::kFencedInstanceId, id)); });
      return;
    }
  }
  auto it = group.members.find(id);
  if (it == group.members.end() || group.state == GroupState::kEmpty ||
      group.state == GroupState::kDead) {
    out.push_back([done, id] { done(join_error(ErrorCode::kUnknownMemberId, id)); });
    return;
  }
  Member& member = it->second;
  const bool same_metadata = member.protocols == params.protocols;
  switch (group.state) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(group, member, params, std::move(done), out);
    case GroupState::kCompletingRebalance:
      if (same_metadata) {
        // A retried JoinGroup whose response was lost: answer it again.
        out.push_back([done, result = current_join_result(group, id)] { done(result); });
        return;
      }
      return update_member_and_rebalance(group, member, params, std::move(done), out);
    case GroupState::kStable:
      // A follower rejoining with the same subscription changes nothing (what cooperative
      // clients do after revoking partitions they no longer own triggers the next round only
      // through changed metadata); the leader's rejoin, or new metadata, starts a rebalance.
      if (same_metadata && group.leader != id) {
        renew_session(member);
        out.push_back([done, result = current_join_result(group, id)] { done(result); });
        return;
      }
      return update_member_and_rebalance(group, member, params, std::move(done), out);
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

// Static membership (KIP-345): a known group.instance.id joining with an empty member id takes
// over the old member's place under a new id, without a rebalance when nothing changed.
void GroupCoordinator::replace_static_member(Group& group, JoinParams& params, JoinCallback& done,
                                             Actions& out) {
  const std::string old_id = group.static_members[*params.instance_id];
  const std::string new_id = new_member_id(params.client_id);
  auto node = group.members.extract(old_id);
  Member member = std::move(node.mapped());
  if (auto cb = std::exchange(member.awaiting_join, nullptr)) {
    out.push_back([cb, old_id] { cb(join_error(ErrorCode::kFencedInstanceId, old_id)); });
  }
  if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
    out.push_back([cb] { cb(sync_error(ErrorCode::kFencedInstanceId)); });
  }
  member.id = new_id;
  member.client_id = params.client_id;
  member.client_host = params.client_host;
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  const bool same_metadata = member.protocols == params.protocols;
  Member& placed = group.members[new_id] = std::move(member);
  group.static_members[*params.instance_id] = new_id;
  if (group.leader == old_id) group.leader = new_id;
  renew_session(placed);
  if ((group.state == GroupState::kStable || group.state == GroupState::kCompletingRebalance) &&
      same_metadata) {
    out.push_back([done, result = current_join_result(group, new_id)] { done(result); });
    return;
  }
  update_member_and_rebalance(group, placed, params, std::move(done), out);
}

void GroupCoordinator::add_member_and_rebalance(Group& group, const std::string& id,
                                                JoinParams& params, JoinCallback done,
                                                Actions& out) {
  group.pending_members.erase(id);
  Member member;
  member.id = id;
  member.instance_id = params.instance_id;
  member.client_id = params.client_id;
  member.client_host = params.client_host;
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  member.protocol_type = params.protocol_type;
  member.protocols = std::move(params.protocols);
  member.awaiting_join = std::move(done);
  renew_session(member);
  if (group.members.empty()) group.protocol_type = member.protocol_type;
  if (member.instance_id) group.static_members[*member.instance_id] = id;
  group.members[id] = std::move(member);
  if (group.leader.empty() || !group.members.contains(group.leader)) group.leader = id;
  group.new_member_added = true;
  if (group.state != GroupState::kPreparingRebalance) prepare_rebalance(group, out);
  try_complete_join(group, out);
}

void GroupCoordinator::update_member_and_rebalance(Group& group, Member& member, JoinParams& params,
                                                   JoinCallback done, Actions& out) {
  member.protocols = std::move(params.protocols);
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  if (auto old = std::exchange(member.awaiting_join, std::move(done))) {
    out.push_back([old, id = member.id] { old(join_error(ErrorCode::kRebalanceInProgress, id)); });
  }
  renew_session(member);
  if (group.state != GroupState::kPreparingRebalance) prepare_rebalance(group, out);
  try_complete_join(group, out);
}

JoinResult GroupCoordinator::current_join_result(const Group& group,
                                                 const std::string& member_id) const {
  JoinResult result;
  result.generation = group.generation;
  result.protocol_type = group.protocol_type;
  result.protocol_name = group.protocol_name;
  result.leader = group.leader;
  result.member_id = member_id;
  if (member_id == group.leader && group.protocol_name) {
    for (const auto& [id, member] : group.members) {
      result.members.push_back({id, member.instance_id, member.metadata_for(*group.protocol_name)});
    }
  }
  return result;
}

void GroupCoordinator::prepare_rebalance(Group& group, Actions& out) {
  if (group.state == GroupState::kCompletingRebalance) {
    // The assignment being handed out is void: its waiting SyncGroups must rejoin.
    for (auto& [id, member] : group.members) {
      member.assignment.clear();
      if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
        out.push_back([cb] { cb(sync_error(ErrorCode::kRebalanceInProgress)); });
      }
    }
  }
  const int64_t now = steady_();
  const int32_t delay = config_.initial_rebalance_delay_ms;
  group.initial_join = group.state == GroupState::kEmpty && delay > 0;
  group.new_member_added = false;
  if (group.initial_join) {
    group.join_deadline_ms = now + delay;
    group.initial_join_remaining_ms = std::max(0, group.max_rebalance_timeout_ms() - delay);
  } else {
    group.join_deadline_ms = now + group.max_rebalance_timeout_ms();
  }
  schedule(group.join_deadline_ms);
  set_state(group, GroupState::kPreparingRebalance);
}

void GroupCoordinator::try_complete_join(Group& group, Actions& out) {
  if (group.state != GroupState::kPreparingRebalance || group.initial_join) return;
  if (group.all_members_joined()) complete_join(group, out);
}

void GroupCoordinator::complete_join(Group& group, Actions& out) {
  // Dynamic members that did not rejoin in time are out; static ones keep their place.
  for (auto it = group.members.begin(); it != group.members.end();) {
    if (!it->second.awaiting_join && !it->second.instance_id) {
      if (auto cb = std::exchange(it->second.awaiting_sync, nullptr)) {
        out.push_back([cb] { cb(sync_error(ErrorCode::kUnknownMemberId)); });
      }
      it = group.members.erase(it);
    } else {
      ++it;
    }
  }
  group.pending_members.clear();
  group.initial_join = false;
  ++group.generation;
  if (group.members.empty()) {
    group.protocol_name.reset();
    group.leader.clear();
    set_state(group, GroupState::kEmpty);
    store_group(group, {}, out);
    return;
  }
  group.protocol_name = group.select_protocol();
  if (!group.members.contains(group.leader) || !group.members.at(group.leader).awaiting_join) {
    for (const auto& [id, member] : group.members) {
      if (member.awaiting_join) {
        group.leader = id;
        break;
      }
    }
  }
  set_state(group, GroupState::kCompletingRebalance);
  for (auto& [id, member] : group.members) {
    renew_session(member);
    if (auto cb = std::exchange(member.awaiting_join, nullptr)) {
      out.push_back([cb, result = current_join_result(group, id)] { cb(result); });
    }
  }
}

void GroupCoordinator::remove_member(Group& group, const std::string& member_id, Actions& out) {
  auto it = group.members.find(member_id);
  if (it == group.members.end()) return;
  if (auto cb = std::exchange(it->second.awaiting_join, nullptr)) {
    out.push_back([cb, member_id] { cb(join_error(ErrorCode::kUnknownMemberId, member_id)); });
  }
  if (auto cb = std::exchange(it->second.awaiting_sync, nullptr)) {
    out.push_back([cb] { cb(sync_error(ErrorCode::kUnknownMemberId)); });
  }
  if (it->second.instance_id) group.static_members.erase(*it->second.instance_id);
  group.members.erase(it);
  if (group.leader == member_id) {
    group.leader = group.members.empty() ? "" : group.members.begin()->first;
  }
  switch (group.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(group, out);
      if (group.members.empty()) complete_join(group, out);
      break;
    case GroupState::kPreparingRebalance:
      try_complete_join(group, out);
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

ErrorCode GroupCoordinator::check_member(const Group& group, int32_t generation,
                                         const std::string& member_id,
                                         const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto it = group.static_members.find(*instance_id);
    if (it != group.static_members.end() && it->second != member_id) {
      return ErrorCode::kFencedInstanceId;
    }
  }
  if (!group.members.contains(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation != group.generation) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

void GroupCoordinator::sync(SyncParams params, SyncCallback done) {
  if (!valid_group_id(params.group_id, false)) return done(sync_error(ErrorCode::kInvalidGroupId));
  prepare_storage();
  Actions out;
  {
    std::lock_guard lock(mutex_);
    Group* group = find(params.group_id);
    ErrorCode error = ownership_error(params.group_id);
    if (error == ErrorCode::kNone) {
      error = group ? check_member(*group, params.generation, params.member_id, params.instance_id)
                    : ErrorCode::kUnknownMemberId;
    }
    if (error == ErrorCode::kNone &&
        ((params.protocol_type && *params.protocol_type != group->protocol_type) ||
         (params.protocol_name && *params.protocol_name != group->protocol_name))) {
      error = ErrorCode::kInconsistentGroupProtocol;
    }
    if (error == ErrorCode::kNone && group->state == GroupState::kPreparingRebalance) {
      error = ErrorCode::kRebalanceInProgress;
    }
    if (error != ErrorCode::kNone) {
      out.push_back([done, error] { done(sync_error(error)); });
    } else if (group->state == GroupState::kStable) {
      Member& member = group->members.at(params.member_id);
      renew_session(member);
      SyncResult result;
      result.protocol_type = group->protocol_type;
      result.protocol_name = group->protocol_name;
      result.assignment = member.assignment;
      out.push_back([done, result] { done(result); });
    } else {  // CompletingRebalance
      Member& member = group->members.at(params.member_id);
      renew_session(member);
      if (auto old = std::exchange(member.awaiting_sync, std::move(done))) {
        out.push_back([old] { old(sync_error(ErrorCode::kRebalanceInProgress)); });
      }
      if (params.member_id == group->leader) {
        std::map<std::string, Bytes> assignments;
        for (auto& [id, assignment] : params.assignments) {
          if (group->members.contains(id)) assignments[id] = std::move(assignment);
        }
        store_group(*group, std::move(assignments), out);
      }
    }
  }
  for (auto& action : out)
    action();
}

// The leader's assignment has been stored (or failed to be): hand it out.
void GroupCoordinator::finish_sync(const std::string& group_id, int32_t generation,
                                   std::map<std::string, Bytes> assignments, ErrorCode stored) {
  Actions out;
  {
    std::lock_guard lock(mutex_);
    Group* group = find(group_id);
    if (!group || group->generation != generation ||
        group->state != GroupState::kCompletingRebalance) {
      return;
    }
    if (stored != ErrorCode::kNone) {
      for (auto& [id, member] : group->members) {
        if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
          out.push_back([cb, stored] { cb(sync_error(store_failure(stored))); });
        }
      }
      prepare_rebalance(*group, out);
    } else {
      for (auto& [id, member] : group->members) {
        auto it = assignments.find(id);
        member.assignment = it == assignments.end() ? Bytes{} : std::move(it->second);
        renew_session(member);
        if (auto cb = std::exchange(member.awaiting_sync, nullptr)) {
          SyncResult result;
          result.protocol_type = group->protocol_type;
          result.protocol_name = group->protocol_name;
          result.assignment = member.assignment;
          out.push_back([cb, result] { cb(result); });
        }
      }
      set_state(*group, GroupState::kStable);
    }
  }
  for (auto& action : out)
    action();
}

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, int32_t generation,
                                      const std::string& member_id,
                                      const std::optional<std::string>& instance_id) {
  if (!valid_group_id(group_id, false)) return ErrorCode::kInvalidGroupId;
  prepare_storage();
  std::lock_guard lock(mutex_);
  if (const ErrorCode error = ownership_error(group_id); error != ErrorCode::kNone) return error;
  Group* group = find(group_id);
  if (!group || group->state == GroupState::kEmpty) return ErrorCode::kUnknownMemberId;
  const ErrorCode error = check_member(*group, generation, member_id, instance_id);
  if (error != ErrorCode::kNone) return error;
  renew_session(group->members.at(member_id));
  if (group->state == GroupState::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

LeaveResult GroupCoordinator::leave(const std::string& group_id,
                                    const std::vector<MemberIdentity>& members) {
  LeaveResult result;
  if (!valid_group_id(group_id, false)) {
    result.error = ErrorCode::kInvalidGroupId;
    return result;
  }
  prepare_storage();
  Actions out;
  {
    std::lock_guard lock(mutex_);
    result.error = ownership_error(group_id);
    if (result.error != ErrorCode::kNone) return result;
    Group* group = find(group_id);
    for (const auto& leaving : members) {
      ErrorCode error = ErrorCode::kNone;
      std::string id = leaving.member_id;
      if (!group) {
        error = ErrorCode::kUnknownMemberId;
      } else if (leaving.instance_id) {
        auto it = group->static_members.find(*leaving.instance_id);
        if (it == group->static_members.end()) {
          error = ErrorCode::kUnknownMemberId;
        } else if (!id.empty() && it->second != id) {
          error = ErrorCode::kFencedInstanceId;
        } else {
          id = it->second;
        }
      } else if (group->pending_members.erase(id) > 0) {
        try_complete_join(*group, out);
        id.clear();
      } else if (!group->members.contains(id)) {
        error = ErrorCode::kUnknownMemberId;
      }
      if (error == ErrorCode::kNone && !id.empty()) remove_member(*group, id, out);
      result.members.push_back(error);
    }
  }
  for (auto& action : out)
    action();
  return result;
}

void GroupCoordinator::tick() {
  Actions out;
  {
    std::lock_guard lock(mutex_);
    const int64_t now = steady_();
    for (auto& [group_id, group_ptr] : groups_) {
      Group& group = *group_ptr;
      expire_sessions(group, now, out);
      if (group.state != GroupState::kPreparingRebalance) continue;
      if (group.join_deadline_ms > now) {
        try_complete_join(group, out);
        continue;
      }
      if (group.initial_join && group.new_member_added && group.initial_join_remaining_ms > 0) {
        // Members are still arriving: wait another delay, within the rebalance timeout.
        const int64_t delay =
            std::min<int64_t>(config_.initial_rebalance_delay_ms, group.initial_join_remaining_ms);
        group.initial_join_remaining_ms -= delay;
        group.new_member_added = false;
        group.join_deadline_ms = now + delay;
        continue;
      }
      complete_join(group, out);
    }
    expire_offsets(out);
    next_wake_ms_ = std::max(next_deadline_ms(), now + 1);  // never a busy loop
  }
  for (auto& action : out)
    action();
}

void GroupCoordinator::expire_sessions(Group& group, int64_t now, Actions& out) {
  for (auto it = group.pending_members.begin(); it != group.pending_members.end();) {
    it = it->second <= now ? group.pending_members.erase(it) : std::next(it);
  }
  std::vector<std::string> expired;
  for (const auto& [id, member] : group.members) {
    // A member waiting in a JoinGroup or SyncGroup cannot heartbeat: the rebalance timeout
    // decides its fate, not the session.
    if (member.session_deadline_ms <= now && !member.awaiting_join && !member.awaiting_sync) {
      expired.push_back(id);
    }
  }
  for (const auto& id : expired)
    remove_member(group, id, out);
}

}  // namespace gregor::coordinator
