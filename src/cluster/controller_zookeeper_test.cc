// The controller on a real ZooKeeper server (skipped when ZooKeeper is not installed): three
// brokers, each with its own ZooKeeperMetadataStore session, elect one controller, which keeps
// partition states right when a broker dies; a controller whose session expires is fenced and
// competes again once reconnected. Watchers run on ZooKeeper's event thread here, not on the
// mutating thread as in the in-memory tests.
#include <gtest/gtest.h>

#include <map>

#include "cluster/controller.h"
#include "cluster/testing_controllers.h"
#include "cluster/testing_zookeeper.h"

namespace gregor::cluster {
namespace {

class ControllerZooKeeperTest : public ::testing::Test {
 protected:
  struct Broker {
    std::unique_ptr<ZooKeeperMetadataStore> store;
    std::unique_ptr<Controller> controller;
  };

  void SetUp() override {
    std::string why;
    if (!testing::TestZooKeeper::installed(why)) GTEST_SKIP() << why;
    testing::TestZooKeeper* server = testing::shared_zookeeper(why);
    ASSERT_TRUE(server) << why;
    options_ = testing::test_store_options(server->hosts(), testing::unique_chroot("controller"));
    admin_ = connect();
  }
  void TearDown() override {
    for (auto& [id, broker] : brokers_)
      broker.controller->stop();
    brokers_.clear();
  }

  std::unique_ptr<ZooKeeperMetadataStore> connect() {
    std::string error;
    auto store = ZooKeeperMetadataStore::connect(options_, error);
    EXPECT_TRUE(store) << error;
    return store;
  }
  void start_broker(int32_t id) {
    Broker broker{connect(), nullptr};
    ASSERT_TRUE(broker.store);
    testing::register_test_broker(*broker.store, id);
    ControllerConfig config;
    config.broker_id = id;
    config.auto_leader_rebalance_enable = false;
    broker.controller = std::make_unique<Controller>(*broker.store, config);
    broker.controller->start();
    brokers_[id] = std::move(broker);
  }

  // Polls (bounded: about ten seconds) until `done()`; watch events arrive asynchronously.
  template <typename Pred>
  bool eventually(Pred done) {
    for (int attempt = 0; attempt < 500; ++attempt) {
      for (auto& [id, broker] : brokers_)
        broker.controller->sync();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  int32_t controller_id() { return testing::read_controller_id(*admin_); }
  int32_t active_count() {
    int32_t count = 0;
    for (auto& [id, broker] : brokers_)
      count += broker.controller->is_active() ? 1 : 0;
    return count;
  }
  LeaderAndIsr state(const std::string& topic, int32_t partition) {
    return testing::read_state(*admin_, topic, partition);
  }

  ZooKeeperMetadataStore::Options options_;
  std::unique_ptr<ZooKeeperMetadataStore> admin_;
  std::map<int32_t, Broker> brokers_;
};

TEST_F(ControllerZooKeeperTest, ElectionFailoverAndFencing) {
  for (int32_t id : {1, 2, 3})
    start_broker(id);
  ASSERT_TRUE(eventually([&] { return controller_id() != -1 && active_count() == 1; }));
  const int32_t first = controller_id();
  ASSERT_TRUE(brokers_.at(first).controller->is_active());

  ASSERT_EQ(admin_->create_recursive(topic_path("t"),
                                     R"({"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1]}})"),
            StoreError::kOk);
  ASSERT_TRUE(eventually([&] { return state("t", 1).isr.size() == 3; }));
  EXPECT_EQ(state("t", 0), (LeaderAndIsr{1, 0, {1, 2, 3}, 1, 0}));

  // The controller's broker dies: another broker takes over and moves its leadership.
  brokers_.at(first).controller->stop();
  brokers_.erase(first);
  ASSERT_TRUE(eventually(
      [&] { return controller_id() != -1 && controller_id() != first && active_count() == 1; }));
  const int32_t second = controller_id();
  ASSERT_TRUE(
      eventually([&] { return state("t", 0).isr.size() == 2 && state("t", 1).isr.size() == 2; }));
  for (int32_t p : {0, 1}) {
    LeaderAndIsr s = state("t", p);
    EXPECT_NE(s.leader, first);
    EXPECT_EQ(std::count(s.isr.begin(), s.isr.end(), first), 0);
    EXPECT_EQ(s.controller_epoch, 2);
  }

  // The new controller's session expires, and its broker reconnects, without the controller
  // being told: it still believes it is controller, with its old epoch.
  ASSERT_EQ(brokers_.at(second).store->expire_session(), StoreError::kOk);
  const int32_t third = second == 2 ? 3 : 2;
  ASSERT_TRUE(eventually([&] { return controller_id() == third && active_count() >= 1; }));
  ASSERT_TRUE(eventually([&] { return state("t", 0).isr == std::vector<int32_t>{third}; }));
  std::string error;
  ASSERT_TRUE(brokers_.at(second).store->reconnect(error)) << error;
  // As if `second`'s replica were still in sync, so moving leadership to it is a valid choice.
  LeaderAndIsr in_sync = state("t", 0);
  in_sync.isr.push_back(second);
  ASSERT_EQ(admin_->set(partition_state_path("t", 0), encode_leader_and_isr(in_sync)),
            StoreError::kOk);

  // The stale controller's write fails the epoch check: nothing changes, and it resigns.
  auto stale = brokers_.at(second).controller->controlled_shutdown(third).get();
  EXPECT_EQ(stale.error, ErrorCode::kNotController);
  EXPECT_FALSE(brokers_.at(second).controller->is_active());
  EXPECT_EQ(state("t", 0), in_sync);

  // Told of its new session, it registers again and loses to the sitting controller.
  testing::register_test_broker(*brokers_.at(second).store, second);
  brokers_.at(second).controller->session_reestablished();
  ASSERT_TRUE(eventually([&] { return active_count() == 1; }));
  EXPECT_TRUE(brokers_.at(third).controller->is_active());
  std::string epoch;
  ASSERT_EQ(admin_->get(kControllerEpochPath, epoch), StoreError::kOk);
  EXPECT_EQ(epoch, "3");
}

}  // namespace
}  // namespace gregor::cluster
