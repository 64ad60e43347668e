#include "cluster/partition_election.h"

#include <algorithm>

namespace gregor::cluster {
namespace {

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The first replica that passes `ok`, or kNoLeader.
template <typename Pred>
int32_t first_replica(const std::vector<int32_t>& replicas, Pred ok) {
  auto it = std::find_if(replicas.begin(), replicas.end(), ok);
  return it == replicas.end() ? kNoLeader : *it;
}

LeaderAndIsr next_state(const LeaderAndIsr& current, int32_t leader, std::vector<int32_t> isr,
                        int32_t controller_epoch) {
  LeaderAndIsr next = current;
  next.leader = leader;
  next.leader_epoch = current.leader_epoch + 1;
  next.isr = std::move(isr);
  next.controller_epoch = controller_epoch;
  return next;
}

}  // namespace

std::optional<LeaderAndIsr> initial_leadership(const std::vector<int32_t>& replicas,
                                               const BrokerSet& eligible,
                                               int32_t controller_epoch) {
  LeaderAndIsr state;
  state.controller_epoch = controller_epoch;
  for (int32_t id : replicas) {
    if (eligible.contains(id)) state.isr.push_back(id);
  }
  if (state.isr.empty()) return std::nullopt;
  state.leader = state.isr.front();
  return state;
}

std::optional<LeaderAndIsr> repair_leadership(const std::vector<int32_t>& replicas,
                                              const LeaderAndIsr& current, const BrokerSet& live,
                                              const BrokerSet& eligible, bool unclean,
                                              int32_t controller_epoch) {
  std::vector<int32_t> isr;
  for (int32_t id : current.isr) {
    if (live.contains(id)) isr.push_back(id);
  }
  // With no member alive the ISR stays as it was: one of them must lead again, or data is lost.
  if (isr.empty()) isr = current.isr;
  int32_t leader = current.leader;
  if (leader == kNoLeader || !eligible.contains(leader) || !contains(isr, leader)) {
    leader = first_replica(replicas,
                           [&](int32_t id) { return eligible.contains(id) && contains(isr, id); });
    if (leader == kNoLeader && unclean) {
      leader = first_replica(replicas, [&](int32_t id) { return eligible.contains(id); });
      if (leader != kNoLeader) isr = {leader};
    }
  }
  if (leader == current.leader && isr == current.isr) return std::nullopt;
  return next_state(current, leader, std::move(isr), controller_epoch);
}

std::optional<LeaderAndIsr> move_off_broker(const std::vector<int32_t>& replicas,
                                            const LeaderAndIsr& current, int32_t leaving,
                                            const BrokerSet& eligible, int32_t controller_epoch) {
  if (!contains(current.isr, leaving) && current.leader != leaving) return std::nullopt;
  std::vector<int32_t> isr;
  for (int32_t id : current.isr) {
    if (id != leaving) isr.push_back(id);
  }
  int32_t leader = current.leader;
  if (leader == leaving) {
    leader = first_replica(replicas, [&](int32_t id) {
      return id != leaving && eligible.contains(id) && contains(isr, id);
    });
    if (leader == kNoLeader) return std::nullopt;
  } else if (isr.empty()) {
    return std::nullopt;  // the leaving broker is the only ISR member: keep it there
  }
  return next_state(current, leader, std::move(isr), controller_epoch);
}

std::optional<LeaderAndIsr> drop_restarted(const std::vector<int32_t>& replicas,
                                           const LeaderAndIsr& current, const BrokerSet& restarted,
                                           const BrokerSet& eligible, int32_t controller_epoch) {
  BrokerSet steady;
  for (int32_t id : eligible) {
    if (!restarted.contains(id)) steady.insert(id);
  }
  std::optional<LeaderAndIsr> next;
  for (int32_t id : restarted) {
    if (auto moved =
            move_off_broker(replicas, next.value_or(current), id, steady, controller_epoch)) {
      next = std::move(moved);
    }
  }
  return next;
}

PreferredElection elect_preferred(const std::vector<int32_t>& replicas, const LeaderAndIsr& current,
                                  const BrokerSet& eligible, int32_t controller_epoch) {
  if (replicas.empty()) return {ErrorCode::kPreferredLeaderNotAvailable, std::nullopt};
  int32_t preferred = replicas.front();
  if (current.leader == preferred) return {ErrorCode::kElectionNotNeeded, std::nullopt};
  if (!eligible.contains(preferred) || !contains(current.isr, preferred)) {
    return {ErrorCode::kPreferredLeaderNotAvailable, std::nullopt};
  }
  return {ErrorCode::kNone, next_state(current, preferred, current.isr, controller_epoch)};
}

}  // namespace gregor::cluster
