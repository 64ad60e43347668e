// Controller: partition reassignment (AlterPartitionReassignments, ListPartitionReassignments),
// as Kafka's controller does it. A move from the old replicas to the target ones goes through
// three states of /brokers/topics/<t>:
//   1. replicas = target + the old ones not in the target; adding_replicas = target - old,
//      removing_replicas = old - target. The brokers follow the topic znode: the added ones
//      create the log and fetch from the leader, and join the ISR once caught up.
//   2. every target replica is in the ISR: if the leader is leaving (or not eligible), a target
//      replica in the ISR takes over (leader epoch + 1), and the leaving replicas leave the ISR.
//   3. replicas = target, no adding/removing: the leaving brokers drop their logs.
// Cancelling reverses the move the same way: the added replicas become the ones leaving.
// A controller failover finds the move in the topic znode and carries on.
#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "cluster/controller.h"

namespace gregor::cluster {
namespace {

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// `a` without the ids in `b`, in `a`'s order.
std::vector<int32_t> minus(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  for (int32_t id : a) {
    if (!contains(b, id)) out.push_back(id);
  }
  return out;
}

bool moving(const PartitionReassignment& r) {
  return !r.adding.empty() || !r.removing.empty();
}

}  // namespace

void Controller::alter_reassignments(std::vector<ReassignmentRequest> requests,
                                     std::function<void(ReassignmentResult)> done) {
  events_->post([this, requests = std::move(requests), done = std::move(done)] {
    if (!active_) return done({ErrorCode::kNotController, {}});
    ReassignmentResult result;
    for (const auto& request : requests)
      result.partitions.push_back(start_reassignment(request));
    done(std::move(result));
  });
}

void Controller::list_reassignments(std::optional<std::vector<TopicPartition>> partitions,
                                    std::function<void(ReassignmentList)> done) {
  events_->post([this, partitions = std::move(partitions), done = std::move(done)] {
    if (!active_) return done({ErrorCode::kNotController, {}});
    ReassignmentList list;
    auto add = [&](const TopicPartition& tp, const Partition& p) {
      if (moving(p.reassignment)) list.partitions.push_back({tp, p.replicas, p.reassignment});
    };
    if (partitions) {
      for (const auto& tp : *partitions) {
        if (const Partition* p = find(tp)) add(tp, *p);
      }
    } else {
      for (const auto& [name, topic] : topics_) {
        for (const auto& [id, p] : topic.partitions)
          add({name, id}, p);
      }
    }
    done(std::move(list));
  });
}

ReassignmentOutcome Controller::start_reassignment(const ReassignmentRequest& request) {
  const TopicPartition& tp = request.partition;
  Partition* partition = find(tp);
  if (!partition) {
    return {tp, ErrorCode::kUnknownTopicOrPartition, "The partition does not exist."};
  }
  if (!request.target) {
    if (!moving(partition->reassignment)) {
      return {tp, ErrorCode::kNoReassignmentInProgress,
              "No reassignment is in progress for this partition."};
    }
    return cancel_reassignment(tp, *partition);
  }
  const auto& target = *request.target;
  if (target.empty()) {
    return {tp, ErrorCode::kInvalidReplicaAssignment, "The replica list is empty."};
  }
  std::set<int32_t> seen;
  for (int32_t id : target) {
    if (!seen.insert(id).second) {
      return {tp, ErrorCode::kInvalidReplicaAssignment,
              "Broker " + std::to_string(id) + " appears twice in the replica list."};
    }
    if (!live_brokers_.contains(id)) {
      return {tp, ErrorCode::kInvalidReplicaAssignment,
              "Broker " + std::to_string(id) + " is not a live broker."};
    }
  }
  const auto original = minus(partition->replicas, partition->reassignment.adding);
  if (target == original && !moving(partition->reassignment)) return {tp, ErrorCode::kNone, ""};
  // While moving, the replicas are the target ones (the first is the preferred leader) followed
  // by the old ones that leave.
  std::vector<int32_t> replicas = target;
  for (int32_t id : minus(original, target))
    replicas.push_back(id);
  const PartitionReassignment next{minus(target, original), minus(original, target)};
  switch (write_replicas(tp, *partition, replicas, next)) {
    case WriteResult::kOk:
    case WriteResult::kUnchanged:
      break;
    case WriteResult::kFenced:
      return {tp, ErrorCode::kNotController, ""};
    case WriteResult::kGone:
      return {tp, ErrorCode::kUnknownTopicOrPartition, "The partition does not exist."};
    case WriteResult::kConflict:
      return {tp, ErrorCode::kUnknownServerError, "The topic changed meanwhile; try again."};
  }
  spdlog::info("controller: moving {}-{} from [{}] to [{}]", tp.topic, tp.partition,
               fmt::join(original, ","), fmt::join(target, ","));
  continue_reassignment(tp, *partition);
  return {tp, ErrorCode::kNone, ""};
}

// The added replicas become the leaving ones: the move completes back to where it started.
ReassignmentOutcome Controller::cancel_reassignment(const TopicPartition& tp,
                                                    Partition& partition) {
  const PartitionReassignment reverting{{}, partition.reassignment.adding};
  auto written = write_replicas(tp, partition, partition.replicas, reverting);
  if (written == WriteResult::kFenced) return {tp, ErrorCode::kNotController, ""};
  if (written != WriteResult::kOk && written != WriteResult::kUnchanged) {
    return {tp, ErrorCode::kUnknownServerError, "The topic changed meanwhile; try again."};
  }
  spdlog::info("controller: cancelling the move of {}-{}", tp.topic, tp.partition);
  continue_reassignment(tp, partition);
  return {tp, ErrorCode::kNone, ""};
}

void Controller::continue_reassignments() {
  for (auto& [name, topic] : topics_) {
    for (auto& [id, partition] : topic.partitions) {
      if (moving(partition.reassignment)) continue_reassignment({name, id}, partition);
      if (!active_) return;
    }
  }
}

void Controller::continue_reassignment(const TopicPartition& tp, Partition& partition) {
  if (!moving(partition.reassignment)) return;
  // Watched before it is read, so that an ISR change right after the read is not missed: the
  // leader's next ISR change brings us back until the move is done.
  if (!partition.state_watch_armed) {
    partition.state_watch_armed = true;
    store_.exists(partition_state_path(tp.topic, tp.partition), nullptr,
                  watcher_posting([this, tp] {
                    Partition* p = find(tp);
                    if (!p) return;
                    p->state_watch_armed = false;
                    if (active_) continue_reassignment(tp, *p);
                  }));
  }
  // The ISR as the leader keeps it, not as we last wrote it.
  load_partition_state(tp.topic, tp.partition, partition);
  const auto target = minus(partition.replicas, partition.reassignment.removing);
  const bool caught_up =
      partition.state && std::all_of(target.begin(), target.end(), [&](int32_t id) {
        return contains(partition.state->isr, id);
      });
  const BrokerSet eligible = eligible_brokers();
  if (caught_up) {
    auto result = update_partition(tp, partition, [&](const Partition& p) {
      std::optional<LeaderAndIsr> none;
      if (!p.state) return none;
      LeaderAndIsr next = *p.state;
      next.isr = minus(next.isr, p.reassignment.removing);
      if (!contains(target, next.leader) || !eligible.contains(next.leader)) {
        auto leader = std::find_if(target.begin(), target.end(), [&](int32_t id) {
          return contains(next.isr, id) && eligible.contains(id);
        });
        if (leader == target.end()) return none;  // wait for an eligible target replica
        next.leader = *leader;
        next.leader_epoch = p.state->leader_epoch + 1;
      }
      if (next == *p.state) return none;
      next.controller_epoch = epoch_;
      return std::optional<LeaderAndIsr>(next);
    });
    if (result == WriteResult::kFenced) return;
    const bool done = partition.state && contains(target, partition.state->leader) &&
                      minus(partition.state->isr, target).empty();
    if (done && write_replicas(tp, partition, target, {}) == WriteResult::kOk) {
      spdlog::info("controller: {}-{} moved to [{}]", tp.topic, tp.partition,
                   fmt::join(target, ","));
      return;
    }
  }
}

// Writes the partition's replicas and move into /brokers/topics/<t>, every other field as it
// is, compare-and-set on the topic znode's version and fenced by the controller epoch.
Controller::WriteResult Controller::write_replicas(const TopicPartition& tp, Partition& partition,
                                                   const std::vector<int32_t>& replicas,
                                                   const PartitionReassignment& reassignment) {
  if (partition.replicas == replicas && partition.reassignment == reassignment) {
    return WriteResult::kUnchanged;
  }
  const std::string path = topic_path(tp.topic);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string data;
    Stat stat;
    StoreError rc = store_.get(path, data, &stat);
    if (rc == StoreError::kNoNode) return WriteResult::kGone;
    auto updated = rc == StoreError::kOk
                       ? update_topic_partition(data, tp.partition, replicas, reassignment)
                       : std::nullopt;
    if (!updated) {
      spdlog::error("controller: cannot read {}: {}", path, store_error_name(rc));
      return WriteResult::kConflict;
    }
    std::vector<OpResult> results;
    rc = store_.multi({StoreOp::check(kControllerEpochPath, epoch_version_),
                       StoreOp::set(path, *updated, stat.version)},
                      &results);
    if (rc == StoreError::kOk) {
      partition.replicas = replicas;
      partition.reassignment = reassignment;
      return WriteResult::kOk;
    }
    if (fenced(rc, results)) return WriteResult::kFenced;
  }
  return WriteResult::kConflict;
}

}  // namespace gregor::cluster
