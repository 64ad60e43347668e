#include "cluster/partition_election.h"

#include <gtest/gtest.h>

namespace gregor::cluster {
namespace {

const std::vector<int32_t> kReplicas{1, 2, 3};

LeaderAndIsr state(int32_t leader, std::vector<int32_t> isr, int32_t epoch = 4) {
  return {leader, epoch, std::move(isr), 1, 0};
}

TEST(PartitionElectionTest, InitialLeaderIsFirstLiveReplica) {
  auto s = initial_leadership(kReplicas, {2, 3}, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{2, 0, {2, 3}, 7, 0}));
  EXPECT_EQ(initial_leadership(kReplicas, {4}, 7), std::nullopt);
}

TEST(PartitionElectionTest, DeadLeaderIsReplacedByAnIsrMember) {
  auto s = repair_leadership(kReplicas, state(1, {1, 3}), {2, 3}, {2, 3}, false, 9);
  ASSERT_TRUE(s);
  // 2 is alive and earlier in the replica list but out of sync: 3 leads.
  EXPECT_EQ(*s, (LeaderAndIsr{3, 5, {3}, 9, 0}));
}

TEST(PartitionElectionTest, DeadFollowerLeavesTheIsrOnly) {
  auto s = repair_leadership(kReplicas, state(1, {1, 2, 3}), {1, 2}, {1, 2}, false, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{1, 5, {1, 2}, 1, 0}));
}

TEST(PartitionElectionTest, HealthyPartitionIsLeftAlone) {
  EXPECT_EQ(repair_leadership(kReplicas, state(1, {1, 2}), {1, 2, 3}, {1, 2, 3}, false, 1),
            std::nullopt);
}

TEST(PartitionElectionTest, NoIsrMemberAliveGoesOfflineKeepingTheIsr) {
  auto s = repair_leadership(kReplicas, state(1, {1}), {2, 3}, {2, 3}, false, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{kNoLeader, 5, {1}, 1, 0}));
  // Nothing more to do until 1 comes back; then it leads again.
  EXPECT_EQ(repair_leadership(kReplicas, *s, {2, 3}, {2, 3}, false, 1), std::nullopt);
  auto back = repair_leadership(kReplicas, *s, {1, 2, 3}, {1, 2, 3}, false, 1);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (LeaderAndIsr{1, 6, {1}, 1, 0}));
}

TEST(PartitionElectionTest, UncleanElectionPicksAnyLiveReplica) {
  auto s = repair_leadership(kReplicas, state(kNoLeader, {1}), {3}, {3}, true, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{3, 5, {3}, 1, 0}));
}

TEST(PartitionElectionTest, ShuttingDownBrokerDoesNotBecomeLeader) {
  auto s = repair_leadership(kReplicas, state(1, {1, 2, 3}), {2, 3}, {3}, false, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 3);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2, 3}));
}

TEST(PartitionElectionTest, ControlledShutdownMovesLeadershipToAnotherIsrMember) {
  auto s = move_off_broker(kReplicas, state(1, {1, 2, 3}), 1, {2, 3}, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{2, 5, {2, 3}, 1, 0}));
  auto follower = move_off_broker(kReplicas, state(1, {1, 2, 3}), 3, {1, 2}, 1);
  ASSERT_TRUE(follower);
  EXPECT_EQ(*follower, (LeaderAndIsr{1, 5, {1, 2}, 1, 0}));
  // Alone in the ISR: it keeps leading (the shutdown reports the partition as remaining).
  EXPECT_EQ(move_off_broker(kReplicas, state(1, {1}), 1, {2, 3}, 1), std::nullopt);
  EXPECT_EQ(move_off_broker(kReplicas, state(1, {1, 2}), 3, {1, 2}, 1), std::nullopt);
}

TEST(PartitionElectionTest, PreferredElection) {
  auto moved = elect_preferred(kReplicas, state(2, {1, 2}), {1, 2, 3}, 3);
  EXPECT_EQ(moved.error, ErrorCode::kNone);
  ASSERT_TRUE(moved.state);
  EXPECT_EQ(*moved.state, (LeaderAndIsr{1, 5, {1, 2}, 3, 0}));
  EXPECT_EQ(elect_preferred(kReplicas, state(1, {1, 2}), {1, 2}, 3).error,
            ErrorCode::kElectionNotNeeded);
  EXPECT_EQ(elect_preferred(kReplicas, state(2, {2, 3}), {1, 2, 3}, 3).error,
            ErrorCode::kPreferredLeaderNotAvailable);
  EXPECT_EQ(elect_preferred(kReplicas, state(2, {1, 2}), {2, 3}, 3).error,
            ErrorCode::kPreferredLeaderNotAvailable);
}

TEST(PartitionElectionTest, RestartedLeaderHandsOverToAnIsrMemberThatDidNotRestart) {
  auto s = drop_restarted(kReplicas, state(1, {1, 2, 3}), {1}, {1, 2, 3}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (LeaderAndIsr{2, 5, {2, 3}, 9, 0}));
}

TEST(PartitionElectionTest, RestartedFollowerLeavesTheIsr) {
  auto s = drop_restarted(kReplicas, state(1, {1, 2, 3}), {3}, {1, 2, 3}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1, 2}));
}

TEST(PartitionElectionTest, RestartedLeaderAloneInTheIsrKeepsLeading) {
  EXPECT_EQ(drop_restarted(kReplicas, state(1, {1}), {1}, {1, 2, 3}, 9), std::nullopt);
  // Every ISR member restarted (a whole cluster): the leader stays, the others rejoin once they
  // have caught up with it.
  auto s = drop_restarted(kReplicas, state(1, {1, 2}), {1, 2}, {1, 2, 3}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(drop_restarted(kReplicas, state(1, {1, 2}), {}, {1, 2, 3}, 9), std::nullopt);
}

}  // namespace
}  // namespace gregor::cluster
