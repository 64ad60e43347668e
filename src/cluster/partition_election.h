// The controller's leader elections, as pure functions of a partition's replicas, its current
// LeaderAndIsr and the brokers that are alive. Each returns the state to write (leader_epoch
// already bumped), or nothing when the partition is fine as it is. Kafka's rules:
// - the leader is always chosen in replica-list order, so the preferred (first) replica wins
//   whenever it may;
// - only an ISR member may lead (its log has every committed record), unless unclean election
//   is enabled, which lets any live replica lead and makes it the whole ISR (records only the
//   old ISR had are lost);
// - when the last ISR members die, the ISR keeps them and the leader becomes -1 (offline): the
//   first of them to come back leads again, with nothing lost.
//
// "eligible" brokers are the live ones not in controlled shutdown; only they may become leader.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "cluster/partition_state.h"
#include "common/error_code.h"

namespace gregor::cluster {

using BrokerSet = std::set<int32_t>;

// The state of a new partition: the first eligible replica leads, the live replicas form the ISR,
// leader epoch 0. Nothing if no replica is eligible (the partition waits for one).
std::optional<LeaderAndIsr> initial_leadership(const std::vector<int32_t>& replicas,
                                               const BrokerSet& eligible, int32_t controller_epoch);

// After brokers died or came back: drops dead brokers from the ISR (keeping it when none is
// alive), and elects a new leader if the current one is dead, not eligible or -1.
std::optional<LeaderAndIsr> repair_leadership(const std::vector<int32_t>& replicas,
                                              const LeaderAndIsr& current, const BrokerSet& live,
                                              const BrokerSet& eligible, bool unclean,
                                              int32_t controller_epoch);

// Controlled shutdown of `leaving`: leadership moves to the first other eligible ISR member and
// `leaving` leaves the ISR; if it is a follower it only leaves the ISR. Nothing if it is neither
// in the ISR nor the leader, or if it leads and no other ISR member can take over (it stays).
std::optional<LeaderAndIsr> move_off_broker(const std::vector<int32_t>& replicas,
                                            const LeaderAndIsr& current, int32_t leaving,
                                            const BrokerSet& eligible, int32_t controller_epoch);

// Brokers that restarted since the state was written (their registration is newer than the
// state znode) may have lost records they had (a follower never fsyncs; a leader's unflushed tail
// goes with a power loss): they leave the ISR, and a leader among them hands leadership to an
// eligible ISR member that did not restart, as if it had died. When no such member is left, the
// state stays as it is (there is nothing better to lead). Nothing if none of them is in the ISR.
std::optional<LeaderAndIsr> drop_restarted(const std::vector<int32_t>& replicas,
                                           const LeaderAndIsr& current, const BrokerSet& restarted,
                                           const BrokerSet& eligible, int32_t controller_epoch);

// Preferred-leader election: the first replica becomes leader if it is eligible and in the ISR.
// kElectionNotNeeded if it already leads, kPreferredLeaderNotAvailable if it may not.
struct PreferredElection {
  ErrorCode error = ErrorCode::kNone;
  std::optional<LeaderAndIsr> state;
};
PreferredElection elect_preferred(const std::vector<int32_t>& replicas, const LeaderAndIsr& current,
                                  const BrokerSet& eligible, int32_t controller_epoch);

}  // namespace gregor::cluster
