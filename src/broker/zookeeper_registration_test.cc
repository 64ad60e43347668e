// The broker's registration on a real ZooKeeper server (cluster/testing_zookeeper.h): it comes
// back by itself after the broker's session expired.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "broker/broker_registration.h"
#include "cluster/testing_store_contract.h"
#include "cluster/testing_zookeeper.h"

namespace gregor::broker {
namespace {

using cluster::StoreError;
using cluster::ZooKeeperMetadataStore;
using cluster::testing::TestZooKeeper;

TEST(ZooKeeperRegistrationTest, RegistersAgainAfterTheSessionExpires) {
  std::string error;
  if (!TestZooKeeper::installed(error)) GTEST_SKIP() << error;
  TestZooKeeper* server = cluster::testing::shared_zookeeper(error);
  ASSERT_TRUE(server) << error;
  auto options = cluster::testing::test_store_options(
      server->hosts(), cluster::testing::unique_chroot("registration"));
  auto store = ZooKeeperMetadataStore::connect(options, error);
  ASSERT_TRUE(store) << error;
  auto observer = ZooKeeperMetadataStore::connect(options, error);
  ASSERT_TRUE(observer) << error;
  BrokerConfig config;
  config.broker_id = 3;
  auto registration = BrokerRegistration::start(*store, store.get(), config, error);
  ASSERT_TRUE(registration) << error;
  cluster::testing::Events gone;
  ASSERT_EQ(observer->exists("/brokers/ids/3", nullptr, gone.watcher()), StoreError::kOk);

  ASSERT_EQ(store->expire_session(), StoreError::kOk);
  ASSERT_TRUE(gone.wait_for(1));
  EXPECT_EQ(gone.seen()[0].first, cluster::WatchEvent::kDeleted);
  cluster::testing::Events back;
  if (observer->exists("/brokers/ids/3", nullptr, back.watcher()) == StoreError::kNoNode) {
    ASSERT_TRUE(back.wait_for(1));  // re-created by the renewal thread
    EXPECT_EQ(back.seen()[0].first, cluster::WatchEvent::kCreated);
  }
  cluster::Stat stat;
  ASSERT_EQ(observer->exists("/brokers/ids/3", &stat), StoreError::kOk);
  EXPECT_TRUE(stat.ephemeral);
  EXPECT_EQ(store->exists("/brokers/ids/3"), StoreError::kOk);  // the store has a new session

  registration->stop();
  store.reset();  // the new session closes: the registration goes
  EXPECT_EQ(observer->exists("/brokers/ids/3"), StoreError::kNoNode);
}

}  // namespace
}  // namespace gregor::broker
