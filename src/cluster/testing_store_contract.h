// Test helpers for src/cluster tests only. The MetadataStore contract suite
// (metadata_store_contract_test.cc) is one typed test suite that every backend runs; a backend
// takes part by describing how to open a store and instantiating the suite:
//
//   struct MyBackend {
//     using Store = MyMetadataStore;
//     bool set_up(std::string& why);     // false: skip the test, `why` says so
//     std::unique_ptr<Store> open();     // a fresh, empty store for one test
//     void settle(Store& store);         // run the watchers this store's changes triggered
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Mine, MetadataStoreContractTest, MyBackend);
//
// Watchers may run on another thread, after the change returned (ZooKeeper), so tests read what
// they saw through Events after settle() or eventually().
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/metadata_store.h"

namespace gregor::cluster::testing {

// Records watch notifications, from any thread.
class Events {
 public:
  using Seen = std::pair<WatchEvent, std::string>;
  Watcher watcher() {
    return [this](WatchEvent e, const std::string& p) {
      {
        std::lock_guard lock(mu_);
        seen_.emplace_back(e, p);
      }
      arrived_.notify_all();
    };
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  size_t size() const { return seen().size(); }

  // Waits (at most ten seconds) until `count` notifications arrived, for changes made by
  // another session, which settle() does not cover. False if they did not.
  bool wait_for(size_t count) const {
    std::unique_lock lock(mu_);
    return arrived_.wait_for(lock, std::chrono::seconds(10), [&] { return seen_.size() >= count; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::vector<Seen> seen_;
};

template <typename Backend>
class MetadataStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_.set_up(why)) GTEST_SKIP() << why;
    store_ = backend_.open();
    ASSERT_TRUE(store_);
  }
  void TearDown() override { store_.reset(); }

  // Returns once the watchers triggered by this store's own changes so far have run.
  void settle() { backend_.settle(*store_); }

  // Settles until `done()` holds, for watchers that themselves change the store (bounded).
  template <typename Pred>
  bool eventually(Pred done) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      settle();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  // The data of `path`, which must exist.
  std::string get(const std::string& path) {
    std::string data;
    EXPECT_EQ(store_->get(path, data), StoreError::kOk) << path;
    return data;
  }

  std::vector<std::string> children(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_EQ(store_->children(path, names), StoreError::kOk) << path;
    return names;
  }

  Backend backend_;
  std::unique_ptr<typename Backend::Store> store_;
};

TYPED_TEST_SUITE_P(MetadataStoreContractTest);

}  // namespace gregor::cluster::testing
