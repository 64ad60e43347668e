// What only EmbeddedMetadataStore does, beyond the shared contract
// (metadata_store_contract_test.cc): its journal and its in-process session expiry. Persistence
// and crash recovery are in embedded_metadata_store_recovery_test.cc.
#include "cluster/embedded_metadata_store.h"

#include <gtest/gtest.h>

#include <set>

#include "cluster/testing_store.h"
#include "cluster/testing_store_contract.h"

namespace gregor::cluster {
namespace {

using E = StoreError;

class EmbeddedMetadataStoreTest : public testing::EmbeddedStoreFixture {};

TEST(StoreErrorTest, EveryErrorHasADistinctName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(E::kSessionExpired); ++i) {
    std::string_view name = store_error_name(static_cast<E>(i));
    EXPECT_NE(name, "UNKNOWN");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(E::kSessionExpired) + 1);
  EXPECT_EQ(store_error_name(E::kNoNode), "NO_NODE");
  EXPECT_EQ(store_error_name(E::kSessionExpired), "SESSION_EXPIRED");
}

TEST_F(EmbeddedMetadataStoreTest, FailingMultiWritesNothingToTheJournal) {
  ASSERT_EQ(store_->create("/v", "0", CreateMode::kPersistent), E::kOk);
  uint64_t journal_before = store_->journal_bytes();
  EXPECT_EQ(
      store_->multi({StoreOp::create("/a", "a"), StoreOp::remove("/v"), StoreOp::check("/v", 0)}),
      E::kNoNode);
  EXPECT_EQ(store_->journal_bytes(), journal_before);
}

// In process, the session's own watches see its ephemeral nodes go (on ZooKeeper they belong to
// the expired session and are dropped: see zookeeper_metadata_store_test.cc).
TEST_F(EmbeddedMetadataStoreTest, ExpireSessionRemovesEphemeralsAndFiresWatches) {
  ASSERT_EQ(store_->create("/controller", "1", CreateMode::kEphemeral), E::kOk);
  ASSERT_EQ(store_->create("/keep", "", CreateMode::kPersistent), E::kOk);
  testing::Events events;
  ASSERT_EQ(store_->exists("/controller", nullptr, events.watcher()), E::kOk);
  ASSERT_EQ(store_->expire_session(), E::kOk);
  EXPECT_EQ(store_->exists("/controller"), E::kNoNode);
  EXPECT_EQ(store_->exists("/keep"), E::kOk);
  auto seen = events.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(WatchEvent::kDeleted, std::string("/controller")));
}

}  // namespace
}  // namespace gregor::cluster
