#include "cluster/replica_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace gregor::cluster {
namespace {

std::vector<BrokerPlacement> brokers(std::vector<int32_t> ids) {
  std::vector<BrokerPlacement> out;
  for (int32_t id : ids)
    out.push_back({id, std::nullopt});
  return out;
}

std::map<int32_t, int> leader_counts(const AssignmentResult& result) {
  std::map<int32_t, int> counts;
  for (const auto& replicas : result.replicas)
    ++counts[replicas.front()];
  return counts;
}

TEST(ReplicaAssignmentTest, MatchesKafkasPlacementForAFixedStart) {
  std::mt19937 rng(1);
  // Kafka's assignReplicasToBrokers(brokers 0..4, 10 partitions, rf 3, start 0, shift 0).
  auto result = assign_replicas(brokers({4, 3, 2, 1, 0}), 10, 3, rng, 0, 0, 0);
  ASSERT_TRUE(result.ok()) << result.message;
  std::vector<std::vector<int32_t>> expected{
      {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
      {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2},
  };
  EXPECT_EQ(result.replicas, expected);
}

TEST(ReplicaAssignmentTest, LeadersAndReplicasAreBalanced) {
  std::mt19937 rng(7);
  auto result = assign_replicas(brokers({1, 2, 3, 4}), 12, 3, rng);
  ASSERT_TRUE(result.ok());
  for (const auto& [broker, count] : leader_counts(result))
    EXPECT_EQ(count, 3) << broker;
  std::map<int32_t, int> replicas;
  for (const auto& partition : result.replicas) {
    EXPECT_EQ(std::set<int32_t>(partition.begin(), partition.end()).size(), 3u);
    for (int32_t id : partition)
      ++replicas[id];
  }
  for (const auto& [broker, count] : replicas)
    EXPECT_EQ(count, 9) << broker;
}

TEST(ReplicaAssignmentTest, SameSeedSamePlan) {
  std::mt19937 a(42), b(42);
  auto first = assign_replicas(brokers({1, 2, 3, 4, 5}), 8, 2, a);
  auto second = assign_replicas(brokers({5, 4, 3, 2, 1}), 8, 2, b);
  EXPECT_EQ(first.replicas, second.replicas);
}

TEST(ReplicaAssignmentTest, RandomStartSpreadsPartitionZero) {
  std::set<int32_t> leaders;
  for (unsigned seed = 0; seed < 50; ++seed) {
    std::mt19937 rng(seed);
    leaders.insert(assign_replicas(brokers({1, 2, 3}), 1, 1, rng).replicas[0][0]);
  }
  EXPECT_EQ(leaders.size(), 3u);
}

TEST(ReplicaAssignmentTest, RackAwareSpreadsEachPartitionOverRacks) {
  std::vector<BrokerPlacement> racked{{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "c"}, {6, "c"}};
  std::mt19937 rng(3);
  auto result = assign_replicas(racked, 12, 3, rng);
  ASSERT_TRUE(result.ok()) << result.message;
  std::map<int32_t, std::string> rack_of;
  for (const auto& b : racked)
    rack_of[b.id] = *b.rack;
  for (const auto& partition : result.replicas) {
    std::set<std::string> racks;
    for (int32_t id : partition)
      racks.insert(rack_of[id]);
    EXPECT_EQ(racks.size(), 3u);
  }
  for (const auto& [broker, count] : leader_counts(result))
    EXPECT_EQ(count, 2) << broker;
}

TEST(ReplicaAssignmentTest, RackAwareWithMoreReplicasThanRacksUsesEveryRackFirst) {
  std::vector<BrokerPlacement> racked{{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}};
  std::mt19937 rng(5);
  auto result = assign_replicas(racked, 4, 3, rng);
  ASSERT_TRUE(result.ok());
  for (const auto& partition : result.replicas) {
    EXPECT_EQ(std::set<int32_t>(partition.begin(), partition.end()).size(), 3u);
    bool first_two_differ = (partition[0] <= 2) != (partition[1] <= 2);
    EXPECT_TRUE(first_two_differ);
  }
}

TEST(ReplicaAssignmentTest, Errors) {
  std::mt19937 rng(1);
  auto too_many = assign_replicas(brokers({1, 2}), 3, 3, rng);
  EXPECT_EQ(too_many.error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(too_many.message,
            "Unable to replicate the partition 3 time(s): The target replication factor of 3 "
            "cannot be reached because only 2 broker(s) are registered.");
  EXPECT_TRUE(too_many.replicas.empty());
  EXPECT_EQ(assign_replicas(brokers({}), 1, 1, rng).error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(assign_replicas(brokers({1}), 1, 0, rng).error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(assign_replicas(brokers({1}), 0, 1, rng).error, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(assign_replicas(brokers({1, 1}), 1, 1, rng).error,
            ErrorCode::kInvalidReplicaAssignment);
  auto mixed = assign_replicas({{1, "a"}, {2, std::nullopt}}, 1, 1, rng);
  EXPECT_EQ(mixed.error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(mixed.message,
            "Not all brokers have rack information for replica rack aware assignment.");
}

TEST(ReplicaAssignmentTest, AddedPartitionsContinueFromPartitionZerosLeader) {
  std::mt19937 rng(1);
  auto initial = assign_replicas(brokers({0, 1, 2, 3, 4}), 3, 3, rng, 0, 2, 2);
  ASSERT_TRUE(initial.ok());
  auto added = assign_added_partitions(brokers({0, 1, 2, 3, 4}), initial.replicas, 8, rng);
  ASSERT_TRUE(added.ok()) << added.message;
  // Same as one plan of 8 partitions from the same start, minus the first 3.
  auto whole = assign_replicas(brokers({0, 1, 2, 3, 4}), 8, 3, rng, 0, 2, 2);
  EXPECT_EQ(added.replicas,
            std::vector<std::vector<int32_t>>(whole.replicas.begin() + 3, whole.replicas.end()));
  EXPECT_EQ(assign_added_partitions(brokers({0, 1}), {{0}}, 1, rng).error,
            ErrorCode::kInvalidPartitions);
  EXPECT_EQ(assign_added_partitions(brokers({0}), {{0, 1}}, 2, rng).error,
            ErrorCode::kInvalidReplicationFactor);
}

}  // namespace
}  // namespace gregor::cluster
