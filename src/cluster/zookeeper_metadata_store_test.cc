// What only the ZooKeeper backend does, against a real ZooKeeper server (testing_zookeeper.h):
// sessions seen by other sessions, chroot, a server that goes away and comes back, session
// expiry, and the parsing of zookeeper.connect. The shared contract runs in
// metadata_store_contract_test.cc.
#include "cluster/zookeeper_metadata_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "cluster/testing_store_contract.h"
#include "cluster/testing_tcp_proxy.h"
#include "cluster/testing_zookeeper.h"

namespace gregor::cluster {
namespace {

using E = StoreError;
using testing::Events;
using testing::TestZooKeeper;

class ZooKeeperStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!TestZooKeeper::installed(why)) GTEST_SKIP() << why;
    TestZooKeeper* server = testing::shared_zookeeper(why);
    ASSERT_TRUE(server) << why;
    options_ = testing::test_store_options(server->hosts(), testing::unique_chroot("zk"));
    store_ = open();
    ASSERT_TRUE(store_);
  }

  std::unique_ptr<ZooKeeperMetadataStore> open() { return open(options_); }
  static std::unique_ptr<ZooKeeperMetadataStore> open(
      const ZooKeeperMetadataStore::Options& options) {
    std::string error;
    auto store = ZooKeeperMetadataStore::connect(options, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  ZooKeeperMetadataStore::Options options_;
  std::unique_ptr<ZooKeeperMetadataStore> store_;
};

TEST_F(ZooKeeperStoreTest, EphemeralNodeVanishesWhenItsStoreIsClosed) {
  auto other = open();
  ASSERT_TRUE(other);
  ASSERT_EQ(store_->create("/brokers", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->create("/brokers/1", "{}", CreateMode::kEphemeral), E::kOk);
  Stat stat;
  ASSERT_EQ(other->exists("/brokers/1", &stat), E::kOk);
  EXPECT_TRUE(stat.ephemeral);
  Events events;
  ASSERT_EQ(other->exists("/brokers/1", nullptr, events.watcher()), E::kOk);

  store_.reset();  // closes the session: the ensemble removes its ephemeral nodes at once
  ASSERT_TRUE(events.wait_for(1));
  EXPECT_EQ(events.seen()[0], std::make_pair(WatchEvent::kDeleted, std::string("/brokers/1")));
  EXPECT_EQ(other->exists("/brokers/1"), E::kNoNode);
  EXPECT_EQ(other->exists("/brokers"), E::kOk);
}

TEST_F(ZooKeeperStoreTest, WatchesFireForChangesMadeByAnotherSession) {
  auto other = open();
  ASSERT_TRUE(other);
  ASSERT_EQ(store_->create("/topics", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->create("/config", "v0", CreateMode::kPersistent), E::kOk);
  Events events;
  std::string data;
  std::vector<std::string> names;
  ASSERT_EQ(other->get("/config", data, nullptr, events.watcher()), E::kOk);
  ASSERT_EQ(other->children("/topics", names, events.watcher()), E::kOk);
  ASSERT_EQ(other->exists("/later", nullptr, events.watcher()), E::kNoNode);

  ASSERT_EQ(store_->set("/config", "v1"), E::kOk);
  ASSERT_EQ(store_->create("/topics/orders", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->create("/later", "", CreateMode::kPersistent), E::kOk);
  ASSERT_TRUE(events.wait_for(3));
  other->wait_for_watchers();
  auto seen = events.seen();
  ASSERT_EQ(seen.size(), 3u);  // in the order the changes were made
  EXPECT_EQ(seen[0], std::make_pair(WatchEvent::kDataChanged, std::string("/config")));
  EXPECT_EQ(seen[1], std::make_pair(WatchEvent::kChildrenChanged, std::string("/topics")));
  EXPECT_EQ(seen[2], std::make_pair(WatchEvent::kCreated, std::string("/later")));
  ASSERT_EQ(other->get("/config", data), E::kOk);
  EXPECT_EQ(data, "v1");
}

TEST_F(ZooKeeperStoreTest, ChrootIsCreatedAndConfinesTheStore) {
  std::string base = testing::unique_chroot("iso");
  auto unrooted = open(testing::test_store_options(options_.hosts));
  auto a = open(testing::test_store_options(options_.hosts, base + "/cluster-a"));
  auto b = open(testing::test_store_options(options_.hosts, base + "/cluster-b"));
  ASSERT_TRUE(unrooted && a && b);
  ASSERT_EQ(a->create_recursive("/brokers/ids", ""), E::kOk);
  std::string created;
  ASSERT_EQ(a->create("/brokers/ids/1", "a", CreateMode::kEphemeral, &created), E::kOk);
  EXPECT_EQ(created, "/brokers/ids/1");  // paths come back relative to the chroot

  EXPECT_EQ(b->exists("/brokers"), E::kNoNode);
  std::vector<std::string> names;
  ASSERT_EQ(b->children("/", names), E::kOk);
  EXPECT_TRUE(names.empty());
  std::string data;
  ASSERT_EQ(unrooted->get(base + "/cluster-a/brokers/ids/1", data), E::kOk);
  EXPECT_EQ(data, "a");
  EXPECT_EQ(a->remove("/"), E::kBadArguments);  // the chroot itself cannot be removed
}

TEST_F(ZooKeeperStoreTest, ConnectFailsWithAClearErrorWhenNoServerAnswers) {
  std::string hosts = "127.0.0.1:" + std::to_string(testing::free_loopback_port());  // no server
  std::string error;
  auto options = testing::test_store_options(hosts);
  options.connection_timeout_ms = 1000;
  auto store = ZooKeeperMetadataStore::connect(options, error);
  EXPECT_FALSE(store);
  EXPECT_EQ(error, "no ZooKeeper server of " + hosts + " answered within 1000 ms");
}

// A server of its own, stopped and restarted: calls fail with kConnectionLoss while it is down,
// and the same session (ephemeral nodes, watches) carries on once it is back.
TEST(ZooKeeperOutageTest, ServerStoppedGivesConnectionLossThenTheSessionRecovers) {
  std::string error;
  if (!TestZooKeeper::installed(error)) GTEST_SKIP() << error;
  TestZooKeeper server;
  ASSERT_TRUE(server.start(error)) << error;
  auto options = testing::test_store_options(server.hosts(), "/outage");
  options.session_timeout_ms = 30000;  // outlives the restart
  auto store = ZooKeeperMetadataStore::connect(options, error);
  ASSERT_TRUE(store) << error;
  ASSERT_EQ(store->create("/kept", "1", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store->create("/eph", "", CreateMode::kEphemeral), E::kOk);
  Events events;
  std::string data;
  ASSERT_EQ(store->get("/kept", data, nullptr, events.watcher()), E::kOk);

  server.stop();
  EXPECT_EQ(store->get("/kept", data), E::kConnectionLoss);
  EXPECT_EQ(store->create("/new", "", CreateMode::kPersistent), E::kConnectionLoss);
  EXPECT_EQ(store->set("/kept", "2"), E::kConnectionLoss);
  EXPECT_EQ(store->multi({StoreOp::create("/m", "")}), E::kConnectionLoss);

  ASSERT_TRUE(server.start(error)) << error;
  E outcome = E::kConnectionLoss;
  for (int attempt = 0; attempt < 200 && outcome == E::kConnectionLoss; ++attempt) {
    outcome = store->get("/kept", data);
    if (outcome == E::kConnectionLoss) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(outcome, E::kOk);
  EXPECT_EQ(data, "1");
  Stat stat;
  ASSERT_EQ(store->exists("/eph", &stat), E::kOk);  // same session: its ephemeral is still there
  EXPECT_TRUE(stat.ephemeral);
  EXPECT_EQ(store->exists("/new"), E::kNoNode);
  ASSERT_EQ(store->set("/kept", "3"), E::kOk);
  store->wait_for_watchers();
  auto seen = events.seen();  // the watch set before the outage was re-registered
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(WatchEvent::kDataChanged, std::string("/kept")));
}

// Counts expiry notifications and lets a test wait for them.
struct ExpiryCounter {
  std::mutex mu;
  std::condition_variable told;
  int count = 0;
  std::function<void()> listener() {
    return [this] {
      {
        std::lock_guard lock(mu);
        ++count;
      }
      told.notify_all();
    };
  }
  int wait_for(int n) {
    std::unique_lock lock(mu);
    told.wait_for(lock, std::chrono::seconds(20), [&] { return count >= n; });
    return count;
  }
};

// A real expiry: the client reaches the server through a proxy, which cuts it off for longer
// than the session timeout; the server expires the session, and the client learns it when the
// proxy lets it through again.
TEST_F(ZooKeeperStoreTest, SessionCutOffLongerThanItsTimeoutExpires) {
  auto server_port = std::stoi(options_.hosts.substr(options_.hosts.rfind(':') + 1));
  testing::TcpProxy proxy(server_port);
  auto proxied = options_;
  proxied.hosts = "127.0.0.1:" + std::to_string(proxy.port());
  proxied.session_timeout_ms = 2000;
  auto store = open(proxied);
  ASSERT_TRUE(store);
  ExpiryCounter expiries;
  store->set_session_expired_listener(expiries.listener());
  ASSERT_EQ(store->create("/controller", "1", CreateMode::kEphemeral), E::kOk);
  ASSERT_EQ(store->create("/kept", "", CreateMode::kPersistent), E::kOk);
  Events own, others;
  ASSERT_EQ(store->exists("/kept", nullptr, own.watcher()), E::kOk);
  ASSERT_EQ(store_->exists("/controller", nullptr, others.watcher()), E::kOk);

  proxy.cut();
  ASSERT_TRUE(others.wait_for(1));  // the server expired the session: its ephemeral is gone
  EXPECT_EQ(others.seen()[0], std::make_pair(WatchEvent::kDeleted, std::string("/controller")));
  EXPECT_EQ(expiries.count, 0);  // the client cannot know yet
  proxy.heal();
  ASSERT_EQ(expiries.wait_for(1), 1);

  std::string data;
  EXPECT_EQ(store->get("/kept", data), E::kSessionExpired);
  EXPECT_EQ(store->create("/x", "", CreateMode::kPersistent), E::kSessionExpired);
  EXPECT_EQ(store->multi({StoreOp::check("/kept", -1)}), E::kSessionExpired);
  std::string error;
  ASSERT_TRUE(store->reconnect(error)) << error;
  ASSERT_EQ(store->create("/controller", "2", CreateMode::kEphemeral), E::kOk);
  ASSERT_EQ(store->set("/kept", "changed"), E::kOk);
  store->wait_for_watchers();
  EXPECT_EQ(own.size(), 0u);  // watches of the expired session are dropped, never fired
  EXPECT_EQ(expiries.count, 1);
}

TEST_F(ZooKeeperStoreTest, ExpireSessionEndsItAsAnExpiryWould) {
  auto other = open();
  ASSERT_TRUE(other);
  ExpiryCounter expiries;
  store_->set_session_expired_listener(expiries.listener());
  ASSERT_EQ(store_->create("/controller", "1", CreateMode::kEphemeral), E::kOk);
  Events others;
  ASSERT_EQ(other->exists("/controller", nullptr, others.watcher()), E::kOk);

  ASSERT_EQ(store_->expire_session(), E::kOk);
  EXPECT_EQ(expiries.count, 1);  // told before expire_session() returns
  EXPECT_EQ(other->exists("/controller"), E::kNoNode);
  ASSERT_TRUE(others.wait_for(1));
  EXPECT_EQ(others.seen()[0], std::make_pair(WatchEvent::kDeleted, std::string("/controller")));
  EXPECT_EQ(store_->exists("/controller"), E::kSessionExpired);
  EXPECT_EQ(store_->expire_session(), E::kSessionExpired);

  std::string error;
  ASSERT_TRUE(store_->reconnect(error)) << error;
  EXPECT_EQ(store_->create("/controller", "1", CreateMode::kEphemeral), E::kOk);
  EXPECT_EQ(expiries.count, 1);
}

TEST(ConnectStringTest, SplitsHostsAndChroot) {
  ZooKeeperMetadataStore::Options options;
  std::string error;
  ASSERT_TRUE(parse_zookeeper_connect("zk1:2181,zk2:2182/kafka/prod", options, error)) << error;
  EXPECT_EQ(options.hosts, "zk1:2181,zk2:2182");
  EXPECT_EQ(options.chroot, "/kafka/prod");
  ASSERT_TRUE(parse_zookeeper_connect("localhost", options, error)) << error;
  EXPECT_EQ(options.hosts, "localhost:2181");
  EXPECT_EQ(options.chroot, "");
  ASSERT_TRUE(parse_zookeeper_connect("127.0.0.1:2181/", options, error)) << error;
  EXPECT_EQ(options.chroot, "");
}

TEST(ConnectStringTest, RejectsMalformedValues) {
  ZooKeeperMetadataStore::Options options;
  std::string error;
  EXPECT_FALSE(parse_zookeeper_connect("", options, error));
  EXPECT_EQ(error, "no ZooKeeper server named");
  EXPECT_FALSE(parse_zookeeper_connect("/chroot", options, error));
  EXPECT_EQ(error, "no ZooKeeper server named");
  EXPECT_FALSE(parse_zookeeper_connect("a:1,,b:2", options, error));
  EXPECT_EQ(error, "empty host in the server list");
  EXPECT_FALSE(parse_zookeeper_connect("a:1/x//y", options, error));
  EXPECT_EQ(error, "invalid chroot path '/x//y'");
  EXPECT_FALSE(parse_zookeeper_connect("a:1/x/", options, error));
}

}  // namespace
}  // namespace gregor::cluster
