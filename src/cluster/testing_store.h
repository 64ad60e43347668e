// Test helpers for src/cluster tests only (no .cc: nothing here is linked into gregor_cluster).
// The embedded backend of the contract suite, and a gtest fixture owning an EmbeddedMetadataStore
// opened in a fresh temporary directory, which is removed with everything in it after the test.
//
//   class MyStoreTest : public testing::EmbeddedStoreFixture {};
//   TEST_F(MyStoreTest, SurvivesReopen) {
//     ASSERT_EQ(store_->create("/a", "x", CreateMode::kPersistent), StoreError::kOk);
//     reopen();
//     EXPECT_EQ(get("/a"), "x");
//   }
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cluster/embedded_metadata_store.h"
#include "common/temp_dir.h"

namespace gregor::cluster::testing {

using gregor::make_temp_dir;

// The contract suite's backend (testing_store_contract.h): a store in a fresh directory.
struct EmbeddedBackend {
  using Store = EmbeddedMetadataStore;

  ~EmbeddedBackend() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  bool set_up(std::string& why) {
    dir = make_temp_dir("gregor_mds");
    why = "cannot make a temporary directory";
    return !dir.empty();
  }
  std::unique_ptr<Store> open() {
    std::string error;
    auto store = Store::open(dir, error);
    EXPECT_TRUE(store) << error;
    return store;
  }
  void settle(Store&) {}  // watchers ran before the change returned

  std::string dir;
};

class EmbeddedStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("gregor_mds");
    ASSERT_FALSE(dir_.empty());
    reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Closes the store (dropping its ephemeral nodes) and opens `dir_` again.
  void reopen(EmbeddedMetadataStore::Options options = {}) {
    store_.reset();
    std::string error;
    store_ = EmbeddedMetadataStore::open(dir_, options, error);
    ASSERT_TRUE(store_) << error;
  }

  // The data of `path`, which must exist.
  std::string get(const std::string& path) {
    std::string data;
    EXPECT_EQ(store_->get(path, data), StoreError::kOk) << path;
    return data;
  }

  std::string dir_;
  std::unique_ptr<EmbeddedMetadataStore> store_;
};

}  // namespace gregor::cluster::testing
