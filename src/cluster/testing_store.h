// Test helpers for src/cluster tests only (no .cc: nothing here is linked into gregor_cluster).
// A gtest fixture owning an EmbeddedMetadataStore opened in a fresh temporary directory, which
// is removed with everything in it after the test.
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

namespace gregor::cluster::testing {

class EmbeddedStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "gregor_mds_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
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
