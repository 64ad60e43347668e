// The controller against several brokers sharing one InMemoryCluster: the role (election,
// re-election, fencing) and partition states on topic creation and broker failure.
#include "cluster/controller.h"

#include <gtest/gtest.h>

#include "cluster/testing_controllers.h"

namespace gregor::cluster {
namespace {

using Ids = std::vector<int32_t>;

class ControllerTest : public testing::ControllerFixture {};

TEST_F(ControllerTest, ExactlyOneBrokerIsElected) {
  start_brokers({1, 2, 3});
  EXPECT_EQ(active_controllers(), Ids{1});
  EXPECT_EQ(controller_id(), 1);
  EXPECT_EQ(controller_epoch(), 1);
  EXPECT_EQ(controller(1).epoch(), 1);
  EXPECT_EQ(controller(2).epoch(), 0);
}

TEST_F(ControllerTest, AnotherBrokerTakesOverWhenTheControllerDies) {
  start_brokers({1, 2, 3});
  kill_broker(1);
  auto elected = active_controllers();
  ASSERT_EQ(elected.size(), 1u);
  EXPECT_EQ(controller_id(), elected[0]);
  EXPECT_EQ(controller_epoch(), 2);
  EXPECT_EQ(active_controllers().size(), 1u);
}

TEST_F(ControllerTest, ReelectionAfterSessionExpiry) {
  start_brokers({1, 2, 3});
  expire_session(1, /*reconnect=*/true);
  auto elected = active_controllers();
  ASSERT_EQ(elected.size(), 1u);
  EXPECT_NE(elected[0], 1);
  EXPECT_EQ(controller_id(), elected[0]);
  EXPECT_EQ(controller_epoch(), 2);
  // The new controller dies too: the reconnected broker 1 competes again and may win.
  kill_broker(elected[0]);
  ASSERT_EQ(active_controllers().size(), 1u);
  EXPECT_EQ(controller_epoch(), 3);
  EXPECT_EQ(active().epoch(), 3);
}

TEST_F(ControllerTest, StaleControllerIsFencedByTheEpoch) {
  start_brokers({1, 2, 3});
  create_topic("t", {{2, 3, 1}});
  // Broker 1's session expires without broker 1 noticing: it still believes it is controller.
  expire_session(1, /*reconnect=*/false);
  ASSERT_TRUE(controller(1).is_active());
  const int32_t successor = controller_id();
  ASSERT_NE(successor, 1);
  ASSERT_EQ(controller_epoch(), 2);
  const LeaderAndIsr before = state("t", 0);
  EXPECT_EQ(before, (LeaderAndIsr{2, 1, {2, 3}, 2, 0}));  // 1 left the ISR with its session

  // The stale controller acts on its old view; the epoch check rejects its write.
  auto shutdown = controller(1).controlled_shutdown(2).get();
  EXPECT_EQ(shutdown.error, ErrorCode::kNotController);
  EXPECT_FALSE(controller(1).is_active());
  EXPECT_EQ(state("t", 0), before);
  EXPECT_EQ(controller_id(), successor);
  EXPECT_TRUE(controller(successor).is_active());
}

TEST_F(ControllerTest, NewTopicGetsLeaderAndIsrFromLiveReplicas) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1, 2, 3}, {2, 3, 4}, {4, 3}});
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{1, 0, {1, 2, 3}, 1, 0}));
  EXPECT_EQ(state("t", 1), (LeaderAndIsr{2, 0, {2, 3}, 1, 0}));  // 4 is not alive
  EXPECT_EQ(state("t", 2), (LeaderAndIsr{3, 0, {3}, 1, 0}));
}

TEST_F(ControllerTest, PartitionWithNoLiveReplicaWaitsForOne) {
  start_brokers({1});
  create_topic("t", {{5, 6}});
  EXPECT_FALSE(has_state("t", 0));
  start_broker(6);
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{6, 0, {6}, 1, 0}));
}

TEST_F(ControllerTest, AddedPartitionsGetStates) {
  start_brokers({1, 2});
  create_topic("t", {{1, 2}});
  set_assignment("t", {{1, 2}, {2, 1}});
  EXPECT_EQ(state("t", 1), (LeaderAndIsr{2, 0, {2, 1}, 1, 0}));
  EXPECT_EQ(state("t", 0).leader_epoch, 0);
}

TEST_F(ControllerTest, FailoverElectsAnIsrMemberOnly) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1, 2, 3}});
  write_state("t", 0, {1, 3, {1, 3}, 1, 0});  // 2 fell behind
  kill_broker(1);                             // the controller too
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{3, 4, {3}, 2, 0}));
}

TEST_F(ControllerTest, FollowerDeathShrinksTheIsr) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1, 2, 3}});
  kill_broker(3);
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{1, 1, {1, 2}, 1, 0}));
}

TEST_F(ControllerTest, NoIsrMemberAliveLeavesThePartitionOfflineUntilOneReturns) {
  start_brokers({1, 2, 3});
  create_topic("t", {{2, 3}});
  write_state("t", 0, {2, 1, {2}, 1, 0});
  kill_broker(2);
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{kNoLeader, 2, {2}, 1, 0}));
  kill_broker(3);
  start_broker(3);
  EXPECT_EQ(state("t", 0).leader, kNoLeader);  // 3 is alive but was not in sync
  start_broker(2);
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{2, 3, {2}, 1, 0}));
}

TEST_F(ControllerTest, UncleanElectionPicksAnyLiveReplicaWhenEnabled) {
  defaults_.unclean_leader_election_enable = true;
  start_brokers({1, 2, 3});
  create_topic("t", {{2, 3}});
  write_state("t", 0, {2, 1, {2}, 1, 0});
  kill_broker(2);
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{3, 2, {3}, 1, 0}));
}

TEST_F(ControllerTest, TopicConfigOverridesUncleanElection) {
  start_brokers({1, 2, 3});
  ASSERT_EQ(admin_->create_recursive(
                kTopicConfigsPath + "/t",
                R"({"version":1,"config":{"unclean.leader.election.enable":"true"}})"),
            StoreError::kOk);
  create_topic("t", {{2, 3}});
  create_topic("u", {{2, 3}});
  write_state("t", 0, {2, 1, {2}, 1, 0});
  write_state("u", 0, {2, 1, {2}, 1, 0});
  kill_broker(2);
  EXPECT_EQ(state("t", 0).leader, 3);
  EXPECT_EQ(state("u", 0).leader, kNoLeader);
}

TEST_F(ControllerTest, DeletedTopicIsForgotten) {
  start_brokers({1, 2});
  create_topic("t", {{1, 2}});
  ASSERT_EQ(admin_->remove_recursive(topic_path("t")), StoreError::kOk);
  settle();
  kill_broker(2);
  EXPECT_EQ(admin_->exists(topic_path("t")), StoreError::kNoNode);  // not resurrected
  EXPECT_EQ(active().elect_preferred_leaders({{{"t", 0}}}).get().partitions,
            (std::vector<ElectionOutcome>{{{"t", 0}, ErrorCode::kUnknownTopicOrPartition}}));
}

TEST_F(ControllerTest, RegisteredBrokersAreListedForPlacement) {
  start_brokers({3, 1});
  ASSERT_EQ(admin_->create(broker_path(7), "garbage", CreateMode::kEphemeral), StoreError::kOk);
  std::vector<BrokerRegistration> brokers;
  ASSERT_EQ(read_registered_brokers(*admin_, brokers), StoreError::kOk);
  ASSERT_EQ(brokers.size(), 3u);
  EXPECT_EQ(brokers[0].id, 1);
  EXPECT_EQ(brokers[0].endpoints[0].port, 9001);
  EXPECT_EQ(brokers[1].id, 3);
  EXPECT_EQ(brokers[2].id, 7);  // unreadable: listed by id only
  EXPECT_TRUE(brokers[2].endpoints.empty());
  testing::InMemoryCluster empty;
  auto session = empty.connect();
  EXPECT_EQ(read_registered_brokers(*session, brokers), StoreError::kNoNode);
  EXPECT_TRUE(brokers.empty());
}

TEST_F(ControllerTest, CorruptStateIsRewritten) {
  start_brokers({1, 2});
  create_topic("t", {{1, 2}});
  ASSERT_EQ(admin_->set(partition_state_path("t", 0), "garbage"), StoreError::kOk);
  kill_broker(1);  // the new controller reads the corrupt state
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{2, 0, {2}, 2, 0}));
}

}  // namespace
}  // namespace gregor::cluster
