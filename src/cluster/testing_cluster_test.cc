// The multi-session test double behaves as the controller tests assume ZooKeeper does.
#include "cluster/testing_cluster.h"

#include <gtest/gtest.h>

namespace gregor::cluster::testing {
namespace {

TEST(InMemoryClusterTest, SessionsShareOneTree) {
  InMemoryCluster zk;
  auto a = zk.connect();
  auto b = zk.connect();
  ASSERT_EQ(a->create_recursive("/brokers/ids", ""), StoreError::kOk);
  ASSERT_EQ(a->create("/brokers/ids/1", "x", CreateMode::kEphemeral), StoreError::kOk);
  std::string data;
  ASSERT_EQ(b->get("/brokers/ids/1", data), StoreError::kOk);
  EXPECT_EQ(data, "x");
  EXPECT_EQ(b->create("/brokers/ids/1", "y", CreateMode::kEphemeral), StoreError::kNodeExists);
}

TEST(InMemoryClusterTest, ExpiryRemovesOnlyThatSessionsEphemeralsAndFiresOthersWatches) {
  InMemoryCluster zk;
  auto a = zk.connect();
  auto b = zk.connect();
  ASSERT_EQ(a->create("/a", "", CreateMode::kEphemeral), StoreError::kOk);
  ASSERT_EQ(b->create("/b", "", CreateMode::kEphemeral), StoreError::kOk);
  int a_fired = 0, b_fired = 0;
  a->exists("/b", nullptr, [&](WatchEvent, const std::string&) { ++a_fired; });
  b->exists("/a", nullptr, [&](WatchEvent event, const std::string& path) {
    EXPECT_EQ(event, WatchEvent::kDeleted);
    EXPECT_EQ(path, "/a");
    ++b_fired;
  });
  a->exists("/a", nullptr, [&](WatchEvent, const std::string&) { ++a_fired; });
  zk.expire(*a);
  EXPECT_EQ(a->exists("/a"), StoreError::kNoNode);
  EXPECT_EQ(b->exists("/b"), StoreError::kOk);
  EXPECT_EQ(b_fired, 1);
  EXPECT_EQ(a_fired, 0);  // the expired session's watches are gone
  ASSERT_EQ(b->remove("/b"), StoreError::kOk);
  EXPECT_EQ(a_fired, 0);
  // The session is usable again, as a new one.
  EXPECT_EQ(a->create("/a", "", CreateMode::kEphemeral), StoreError::kOk);
}

TEST(InMemoryClusterTest, ClosingASessionRemovesItsEphemerals) {
  InMemoryCluster zk;
  auto a = zk.connect();
  auto b = zk.connect();
  ASSERT_EQ(a->create("/a", "", CreateMode::kEphemeral), StoreError::kOk);
  a.reset();
  EXPECT_EQ(b->exists("/a"), StoreError::kNoNode);
}

TEST(InMemoryClusterTest, HeldWatchesWaitForRelease) {
  InMemoryCluster zk;
  auto a = zk.connect();
  auto b = zk.connect();
  int fired = 0;
  a->exists("/x", nullptr, [&](WatchEvent event, const std::string&) {
    EXPECT_EQ(event, WatchEvent::kCreated);
    ++fired;
  });
  zk.hold_watches(*a);
  ASSERT_EQ(b->create("/x", "", CreateMode::kPersistent), StoreError::kOk);
  EXPECT_EQ(fired, 0);
  zk.release_watches(*a);
  EXPECT_EQ(fired, 1);
}

TEST(InMemoryClusterTest, MultiIsAtomicAcrossSessions) {
  InMemoryCluster zk;
  auto a = zk.connect();
  ASSERT_EQ(a->create("/epoch", "1", CreateMode::kPersistent), StoreError::kOk);
  std::vector<OpResult> results;
  auto e = a->multi({StoreOp::check("/epoch", 5), StoreOp::create("/y", "")}, &results);
  EXPECT_EQ(e, StoreError::kBadVersion);
  EXPECT_EQ(results[1].error, StoreError::kRuntimeInconsistency);
  EXPECT_EQ(a->exists("/y"), StoreError::kNoNode);
}

}  // namespace
}  // namespace gregor::cluster::testing
