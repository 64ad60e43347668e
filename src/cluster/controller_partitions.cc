// Controller: deciding partition states (partition_election.h) and writing them, fenced by the
// controller epoch. Runs on the event thread, and only while active.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "cluster/controller.h"

namespace gregor::cluster {

// Brings every partition to what the live brokers allow: creates the state of new partitions,
// moves leadership off dead brokers, drops them from ISRs, and revives offline partitions.
// Idempotent, so every change of brokers or topics simply runs it again.
void Controller::reconcile() {
  const BrokerSet eligible = eligible_brokers();
  for (auto& [name, topic] : topics_) {
    const bool unclean = unclean_allowed(topic);
    for (auto& [id, partition] : topic.partitions) {
      auto result = update_partition({name, id}, partition, [&](const Partition& p) {
        if (!p.state) return initial_leadership(p.replicas, eligible, epoch_);
        if (auto repaired =
                repair_leadership(p.replicas, *p.state, live_brokers_, eligible, unclean, epoch_)) {
          return repaired;
        }
        return drop_restarted(p.replicas, *p.state, restarted_since(p.state_mtime_ms), eligible,
                              epoch_);
      });
      if (result == WriteResult::kFenced) return;
    }
  }
  continue_reassignments();
}

// Writes what `decide` makes of the partition; when the znode changed under us (a version
// conflict), re-reads it and decides once more.
Controller::WriteResult Controller::update_partition(const TopicPartition& tp, Partition& partition,
                                                     const Decide& decide) {
  WriteResult result = WriteResult::kUnchanged;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto next = decide(partition);
    if (!next) return WriteResult::kUnchanged;
    result = write_state(tp, partition, *next);
    if (result != WriteResult::kConflict) return result;
    load_partition_state(tp.topic, tp.partition, partition);
  }
  spdlog::warn("controller: {}-{}: state keeps changing under the controller", tp.topic,
               tp.partition);
  return result;
}

// A multi() of ours whose first op checks /controller_epoch failed because we are no longer the
// controller: resigns and says so.
bool Controller::fenced(StoreError rc, const std::vector<OpResult>& results) {
  if (rc == StoreError::kSessionExpired) {
    // Our /controller went with the session; the broker reconnects and calls
    // session_reestablished().
    resign("metadata store session expired");
    return true;
  }
  if (!results.empty() && results[0].error != StoreError::kOk &&
      results[0].error != StoreError::kRuntimeInconsistency) {
    // Another broker was elected since our epoch: our decisions no longer count.
    resign("fenced: /controller_epoch moved past our epoch");
    events_->post([this] { watch_controller(); });
    return true;
  }
  return false;
}

Controller::WriteResult Controller::write_state(const TopicPartition& tp, Partition& partition,
                                                const LeaderAndIsr& next) {
  const std::string path = partition_state_path(tp.topic, tp.partition);
  std::vector<StoreOp> ops{StoreOp::check(kControllerEpochPath, epoch_version_)};
  if (partition.state_version < 0) {
    // Parents first; NODE_EXISTS is fine, NO_NODE (topic deleted) fails the multi below.
    store_.create(partitions_path(tp.topic), "", CreateMode::kPersistent);
    store_.create(partition_path(tp.topic, tp.partition), "", CreateMode::kPersistent);
    ops.push_back(StoreOp::create(path, encode_leader_and_isr(next)));
  } else {
    ops.push_back(StoreOp::set(path, encode_leader_and_isr(next), partition.state_version));
  }
  std::vector<OpResult> results;
  StoreError rc = store_.multi(ops, &results);
  if (rc == StoreError::kOk) {
    partition.state = next;
    partition.state_version = partition.state_version < 0 ? 0 : partition.state_version + 1;
    Stat stat;  // the store's clock, which registrations are compared with
    if (store_.exists(path, &stat) == StoreError::kOk) partition.state_mtime_ms = stat.mtime_ms;
    spdlog::info("controller: {}-{} leader {} epoch {} isr [{}]", tp.topic, tp.partition,
                 next.leader, next.leader_epoch, fmt::join(next.isr, ","));
    return WriteResult::kOk;
  }
  if (fenced(rc, results)) return WriteResult::kFenced;
  if (results.size() == 2 && results[1].error == StoreError::kNoNode) return WriteResult::kGone;
  if (rc != StoreError::kBadVersion && rc != StoreError::kNodeExists) {
    spdlog::error("controller: cannot write {}: {}", path, store_error_name(rc));
  }
  return WriteResult::kConflict;
}

ElectionResult Controller::run_preferred_elections(
    const std::optional<std::vector<TopicPartition>>& partitions) {
  if (!active_) return {ErrorCode::kNotController, {}};
  ElectionResult result;
  if (partitions) {
    for (const auto& tp : *partitions)
      result.partitions.push_back(elect_preferred_for(tp));
    return result;
  }
  std::vector<TopicPartition> needed;
  for (const auto& [name, topic] : topics_) {
    for (const auto& [id, p] : topic.partitions) {
      if (p.state && !p.replicas.empty() && p.state->leader != p.replicas.front()) {
        needed.push_back({name, id});
      }
    }
  }
  for (const auto& tp : needed)
    result.partitions.push_back(elect_preferred_for(tp));
  return result;
}

ElectionOutcome Controller::elect_preferred_for(const TopicPartition& tp) {
  if (!active_) return {tp, ErrorCode::kNotController};
  Partition* partition = find(tp);
  if (!partition) return {tp, ErrorCode::kUnknownTopicOrPartition};
  // Leaders change ISRs without telling the controller (yet): decide on the znode, not the cache.
  load_partition_state(tp.topic, tp.partition, *partition);
  if (!partition->state) return {tp, ErrorCode::kPreferredLeaderNotAvailable};
  const BrokerSet eligible = eligible_brokers();
  ErrorCode error = ErrorCode::kNone;
  auto result = update_partition(tp, *partition, [&](const Partition& p) {
    if (!p.state) return std::optional<LeaderAndIsr>();
    auto election = elect_preferred(p.replicas, *p.state, eligible, epoch_);
    error = election.error;
    return election.state;
  });
  switch (result) {
    case WriteResult::kOk:
    case WriteResult::kUnchanged:
      return {tp, error};
    case WriteResult::kFenced:
      return {tp, ErrorCode::kNotController};
    case WriteResult::kGone:
      return {tp, ErrorCode::kUnknownTopicOrPartition};
    case WriteResult::kConflict:
      break;
  }
  return {tp, ErrorCode::kUnknownServerError};
}

ControlledShutdownResult Controller::run_controlled_shutdown(int32_t broker_id) {
  if (!active_) return {ErrorCode::kNotController, {}};
  if (!live_brokers_.contains(broker_id)) return {ErrorCode::kBrokerNotAvailable, {}};
  shutting_down_.insert(broker_id);
  const BrokerSet eligible = eligible_brokers();
  ControlledShutdownResult result;
  for (auto& [name, topic] : topics_) {
    for (auto& [id, partition] : topic.partitions) {
      const auto& replicas = partition.replicas;
      if (replicas.size() < 2 ||
          std::find(replicas.begin(), replicas.end(), broker_id) == replicas.end()) {
        continue;
      }
      load_partition_state(name, id, partition);  // the ISR may have changed since we wrote it
      auto written = update_partition({name, id}, partition, [&](const Partition& p) {
        if (!p.state) return std::optional<LeaderAndIsr>();
        return move_off_broker(p.replicas, *p.state, broker_id, eligible, epoch_);
      });
      if (written == WriteResult::kFenced) return {ErrorCode::kNotController, {}};
      if (partition.state && partition.state->leader == broker_id) {
        result.remaining.push_back({name, id});
      }
    }
  }
  spdlog::info("controller: broker {} is shutting down; it still leads {} partition(s)", broker_id,
               result.remaining.size());
  return result;
}

// Kafka's auto leader rebalance: a broker is imbalanced when more than the configured percentage
// of the partitions it prefers to lead are led elsewhere; those partitions get a preferred
// election (which only moves a leader whose preferred replica is alive and in the ISR).
void Controller::check_leader_imbalance() {
  if (!active_ || !shutting_down_.empty()) return;
  std::map<int32_t, std::vector<TopicPartition>> preferred, not_led;
  for (const auto& [name, topic] : topics_) {
    for (const auto& [id, p] : topic.partitions) {
      if (!p.state || p.replicas.empty()) continue;
      int32_t broker = p.replicas.front();
      preferred[broker].push_back({name, id});
      if (p.state->leader != broker) not_led[broker].push_back({name, id});
    }
  }
  for (const auto& [broker, partitions] : not_led) {
    if (!live_brokers_.contains(broker)) continue;
    auto percentage = 100 * partitions.size() / preferred[broker].size();
    if (percentage <= static_cast<size_t>(config_.leader_imbalance_per_broker_percentage)) continue;
    spdlog::info(
        "controller: {}% of the partitions broker {} prefers are led elsewhere; rebalancing",
        percentage, broker);
    for (const auto& tp : partitions)
      elect_preferred_for(tp);
  }
}

}  // namespace gregor::cluster
