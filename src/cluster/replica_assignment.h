// Replica placement for new topics and added partitions, as Kafka places them, so a Kafka user
// sees the same spread: partition leaders go round-robin over the brokers (sorted by id) from a
// random start, and each partition's followers follow its leader at a shift that grows by one
// every time the partitions wrap around the broker list, so followers of one broker's leaders
// land on different brokers. When every broker has a rack, the broker list is first interleaved
// by rack (a1, b1, c1, a2, b2, ...) and a follower is skipped while its rack (or the broker)
// already holds a replica of the partition and some rack (broker) does not.
//
// Pure: no I/O. Randomness comes from the caller's generator, so a fixed seed gives a fixed plan.
//
//   std::mt19937 rng(std::random_device{}());
//   auto plan = assign_replicas(live_brokers, /*partitions=*/6, /*replication_factor=*/3, rng);
//   if (!plan.ok()) return {plan.error, plan.message};  // INVALID_REPLICATION_FACTOR, ...
//   write_topic(plan.replicas);
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/error_code.h"

namespace gregor::cluster {

struct BrokerPlacement {
  int32_t id = -1;
  std::optional<std::string> rack;
};

struct AssignmentResult {
  ErrorCode error = ErrorCode::kNone;          // kInvalidReplicationFactor, kInvalidPartitions, ...
  std::string message;                         // Kafka's message for the error
  std::vector<std::vector<int32_t>> replicas;  // partition -> replicas, preferred leader first

  bool ok() const { return error == ErrorCode::kNone; }
};

// Replicas for `partitions` new partitions numbered from `first_partition`. `start_index` and
// `replica_shift`, when >= 0, replace the random choices (Kafka's fixed start index).
// Errors: partitions <= 0 (kInvalidPartitions), replication_factor <= 0 or above the number of
// brokers (kInvalidReplicationFactor), some but not all brokers with a rack
// (kInvalidReplicationFactor, as Kafka's enforced rack-aware mode rejects it), duplicate ids
// (kInvalidReplicaAssignment).
AssignmentResult assign_replicas(std::vector<BrokerPlacement> brokers, int32_t partitions,
                                 int32_t replication_factor, std::mt19937& rng,
                                 int32_t first_partition = 0, int32_t start_index = -1,
                                 int32_t replica_shift = -1);

// Replicas for partitions added to a topic that has `existing` (at least one partition), up to
// `new_count` in all: same replication factor as partition 0, continuing from partition 0's
// leader as Kafka does. kInvalidPartitions unless new_count > existing.size().
AssignmentResult assign_added_partitions(std::vector<BrokerPlacement> brokers,
                                         const std::vector<std::vector<int32_t>>& existing,
                                         int32_t new_count, std::mt19937& rng);

}  // namespace gregor::cluster
