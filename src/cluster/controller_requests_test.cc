// The controller's requests (preferred-leader election, controlled shutdown), its automatic
// leader rebalance, and convergence under a burst of topic and broker changes.
#include <gtest/gtest.h>

#include <future>
#include <random>

#include "cluster/controller.h"
#include "cluster/testing_controllers.h"

namespace gregor::cluster {
namespace {

using Outcomes = std::vector<ElectionOutcome>;

class ControllerRequestsTest : public testing::ControllerFixture {
 protected:
  // t-0 with replicas [1, 2, 3], led by 2 after 1 came back (and, as its leader would have
  // reported, caught up into the ISR).
  void preferred_replica_back_in_sync() {
    start_brokers({1, 2, 3});
    create_topic("t", {{1, 2, 3}});
    kill_broker(1);
    ASSERT_EQ(state("t", 0).leader, 2);
    start_broker(1);
    LeaderAndIsr caught_up = state("t", 0);
    caught_up.isr.push_back(1);
    write_state("t", 0, caught_up);
    settle();
  }
};

TEST_F(ControllerRequestsTest, PreferredLeaderElectionOnRequest) {
  preferred_replica_back_in_sync();
  const int32_t epoch_before = state("t", 0).leader_epoch;
  auto result = active().elect_preferred_leaders({{{"t", 0}}}).get();
  EXPECT_EQ(result.error, ErrorCode::kNone);
  EXPECT_EQ(result.partitions, (Outcomes{{{"t", 0}, ErrorCode::kNone}}));
  EXPECT_EQ(state("t", 0).leader, 1);
  EXPECT_EQ(state("t", 0).leader_epoch, epoch_before + 1);

  result = active().elect_preferred_leaders({{{"t", 0}, {"t", 9}, {"nope", 0}}}).get();
  EXPECT_EQ(result.partitions, (Outcomes{{{"t", 0}, ErrorCode::kElectionNotNeeded},
                                         {{"t", 9}, ErrorCode::kUnknownTopicOrPartition},
                                         {{"nope", 0}, ErrorCode::kUnknownTopicOrPartition}}));
}

TEST_F(ControllerRequestsTest, PreferredLeaderOutOfSyncIsNotElected) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1, 2, 3}});
  kill_broker(1);
  start_broker(1);  // back, but not in the ISR yet
  auto result = active().elect_preferred_leaders({{{"t", 0}}}).get();
  EXPECT_EQ(result.partitions, (Outcomes{{{"t", 0}, ErrorCode::kPreferredLeaderNotAvailable}}));
  EXPECT_EQ(state("t", 0).leader, 2);
}

TEST_F(ControllerRequestsTest, ElectAllReportsThePartitionsThatNeededIt) {
  preferred_replica_back_in_sync();
  create_topic("u", {{3, 1}});
  auto result = active().elect_preferred_leaders(std::nullopt).get();
  EXPECT_EQ(result.partitions, (Outcomes{{{"t", 0}, ErrorCode::kNone}}));
}

TEST_F(ControllerRequestsTest, RequestsToANonControllerAreRefused) {
  start_brokers({1, 2});
  create_topic("t", {{1, 2}});
  EXPECT_EQ(controller(2).elect_preferred_leaders(std::nullopt).get().error,
            ErrorCode::kNotController);
  EXPECT_EQ(controller(2).controlled_shutdown(2).get().error, ErrorCode::kNotController);
  EXPECT_EQ(active().controlled_shutdown(7).get().error, ErrorCode::kBrokerNotAvailable);
}

// The callback variants the broker's handlers use: the result arrives on the controller's event
// thread, and the caller never waits.
TEST_F(ControllerRequestsTest, CallbackVariantsDeliverTheSameResults) {
  preferred_replica_back_in_sync();
  std::promise<ElectionResult> elected;
  active().elect_preferred_leaders(std::nullopt,
                                   [&](ElectionResult result) { elected.set_value(result); });
  EXPECT_EQ(elected.get_future().get().partitions, (Outcomes{{{"t", 0}, ErrorCode::kNone}}));
  std::promise<ControlledShutdownResult> shut_down;
  const int32_t other = controller(1).is_active() ? 2 : 1;
  controller(other).controlled_shutdown(
      1, [&](ControlledShutdownResult result) { shut_down.set_value(result); });
  EXPECT_EQ(shut_down.get_future().get().error, ErrorCode::kNotController);
}

TEST_F(ControllerRequestsTest, AutomaticRebalanceMovesLeadershipBack) {
  defaults_.auto_leader_rebalance_enable = true;
  preferred_replica_back_in_sync();
  EXPECT_TRUE(eventually([&] { return state("t", 0).leader == 1; }));
}

TEST_F(ControllerRequestsTest, ControlledShutdownMovesLeadershipFirst) {
  start_brokers({1, 2, 3});
  create_topic("t", {{2, 1, 3}, {1, 2, 3}, {3, 2, 1}});
  create_topic("single", {{2}});
  auto result = active().controlled_shutdown(2).get();
  EXPECT_EQ(result.error, ErrorCode::kNone);
  EXPECT_TRUE(result.remaining.empty());  // "single" has one replica: not counted, as in Kafka
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{1, 1, {1, 3}, 1, 0}));
  EXPECT_EQ(state("t", 1), (LeaderAndIsr{1, 1, {1, 3}, 1, 0}));
  EXPECT_EQ(state("t", 2), (LeaderAndIsr{3, 1, {3, 1}, 1, 0}));
  EXPECT_EQ(state("single", 0).leader, 2);

  // While it is still registered, the shutting-down broker is not elected again.
  kill_broker(1);
  EXPECT_EQ(state("t", 0).leader, 3);
  EXPECT_EQ(state("t", 1).leader, 3);
  // Once it has left and returned, it may lead again.
  kill_broker(2);
  kill_broker(3);
  start_broker(2);
  EXPECT_EQ(state("single", 0).leader, 2);
}

TEST_F(ControllerRequestsTest, ControlledShutdownReportsWhatNobodyCanTakeOver) {
  start_brokers({1, 2});
  create_topic("t", {{2, 1}});
  write_state("t", 0, {2, 1, {2}, 1, 0});  // 1 is out of sync
  auto result = active().controlled_shutdown(2).get();
  EXPECT_EQ(result.remaining, (std::vector<TopicPartition>{{"t", 0}}));
  EXPECT_EQ(state("t", 0).leader, 2);
}

using Topics = std::map<std::string, std::vector<std::vector<int32_t>>>;

// Every partition's leader is alive and in its ISR, or -1 with no ISR member alive; ISRs are
// replicas; a partition with an in-sync live replica is never left without a leader; only a
// partition that never had a live replica has no state.
void expect_consistent(testing::ControllerFixture& cluster, const std::set<int32_t>& live,
                       const Topics& topics) {
  for (const auto& [name, partitions] : topics) {
    for (size_t p = 0; p < partitions.size(); ++p) {
      const auto& replicas = partitions[p];
      const auto partition = static_cast<int32_t>(p);
      SCOPED_TRACE(name + "-" + std::to_string(p));
      if (!cluster.has_state(name, partition)) {
        EXPECT_TRUE(std::none_of(replicas.begin(), replicas.end(),
                                 [&](int32_t id) { return live.contains(id); }));
        continue;
      }
      LeaderAndIsr s = cluster.state(name, partition);
      SCOPED_TRACE(encode_leader_and_isr(s));
      ASSERT_FALSE(s.isr.empty());
      for (int32_t id : s.isr)
        EXPECT_NE(std::find(replicas.begin(), replicas.end(), id), replicas.end());
      bool isr_member_alive =
          std::any_of(s.isr.begin(), s.isr.end(), [&](int32_t id) { return live.contains(id); });
      if (s.leader == kNoLeader) {
        EXPECT_FALSE(isr_member_alive);
      } else {
        EXPECT_TRUE(live.contains(s.leader));
        EXPECT_NE(std::find(s.isr.begin(), s.isr.end(), s.leader), s.isr.end());
        for (int32_t id : s.isr)
          EXPECT_TRUE(live.contains(id)) << id;
      }
    }
  }
}

TEST_F(ControllerRequestsTest, BurstOfTopicsAndFlappingBrokersConverges) {
  const std::vector<int32_t> ids{1, 2, 3, 4, 5};
  start_brokers(ids);
  std::mt19937 rng(2026);
  Topics topics;
  std::set<int32_t> live(ids.begin(), ids.end());
  for (int step = 0; step < 60; ++step) {
    if (step % 2 == 0) {
      std::vector<int32_t> shuffled = ids;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      std::vector<std::vector<int32_t>> partitions;
      for (int p = 0; p < 3; ++p) {
        std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
        partitions.emplace_back(shuffled.begin(), shuffled.begin() + 3);
      }
      std::string name = "topic-" + std::to_string(step);
      // No settle(): the controllers work while the next changes arrive.
      ASSERT_EQ(admin_->create_recursive(topic_path(name), topic_json(partitions)),
                StoreError::kOk);
      topics[name] = partitions;
    }
    int32_t id = ids[rng() % ids.size()];
    if (live.contains(id)) {
      brokers_.at(id).controller->stop();
      brokers_.erase(id);
      live.erase(id);
    } else {
      Broker broker{zk_.connect(), nullptr};
      register_broker(*broker.session, id);
      broker.controller = std::make_unique<Controller>(*broker.session, config_for(id));
      broker.controller->start();
      brokers_[id] = std::move(broker);
      live.insert(id);
    }
  }
  settle();
  if (!live.empty()) {
    ASSERT_EQ(active_controllers().size(), 1u);
    EXPECT_EQ(active_controllers()[0], controller_id());
  }
  expect_consistent(*this, live, topics);
  // Everyone back: every partition has a leader again.
  for (int32_t id : ids) {
    if (!live.contains(id)) start_broker(id);
  }
  live.insert(ids.begin(), ids.end());
  expect_consistent(*this, live, topics);
  for (const auto& [name, partitions] : topics) {
    for (size_t p = 0; p < partitions.size(); ++p)
      EXPECT_NE(state(name, static_cast<int32_t>(p)).leader, kNoLeader) << name << "-" << p;
  }
}

}  // namespace
}  // namespace gregor::cluster
