// The MetadataStore contract: znode operations, every error code, multi atomicity, watches and
// concurrent use, as one typed suite run against every backend (testing_store_contract.h): the
// embedded store, and a real ZooKeeper server started for the run. The embedded store's
// behaviour defines it. What only one backend does is in embedded_metadata_store_test.cc and
// zookeeper_metadata_store_test.cc.
#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/testing_cluster.h"
#include "cluster/testing_store.h"
#include "cluster/testing_store_contract.h"
#include "cluster/testing_zookeeper.h"

namespace gregor::cluster::testing {

using E = StoreError;

TYPED_TEST_P(MetadataStoreContractTest, CreateGetSetWithStat) {
  std::string created;
  ASSERT_EQ(this->store_->create("/a", "one", CreateMode::kPersistent, &created), E::kOk);
  EXPECT_EQ(created, "/a");
  std::string data;
  Stat stat;
  ASSERT_EQ(this->store_->get("/a", data, &stat), E::kOk);
  EXPECT_EQ(data, "one");
  EXPECT_EQ(stat.version, 0);
  EXPECT_EQ(stat.data_length, 3);
  EXPECT_FALSE(stat.ephemeral);
  EXPECT_GT(stat.ctime_ms, 0);
  EXPECT_EQ(stat.ctime_ms, stat.mtime_ms);

  Stat after;
  ASSERT_EQ(this->store_->set("/a", "two", -1, &after), E::kOk);
  EXPECT_EQ(after.version, 1);
  EXPECT_EQ(this->get("/a"), "two");
  ASSERT_EQ(this->store_->exists("/a", &stat), E::kOk);
  EXPECT_EQ(stat.version, 1);
  EXPECT_EQ(this->store_->exists("/missing"), E::kNoNode);

  ASSERT_EQ(this->store_->set("/", "root data"), E::kOk);  // the root is an ordinary node
  EXPECT_EQ(this->get("/"), "root data");
}

TYPED_TEST_P(MetadataStoreContractTest, CreateErrors) {
  EXPECT_EQ(this->store_->create("/a/b", "", CreateMode::kPersistent), E::kNoNode);
  ASSERT_EQ(this->store_->create("/a", "", CreateMode::kPersistent), E::kOk);
  EXPECT_EQ(this->store_->create("/a", "", CreateMode::kPersistent), E::kNodeExists);
  EXPECT_EQ(this->store_->create("/", "", CreateMode::kPersistent), E::kNodeExists);
  ASSERT_EQ(this->store_->create("/e", "", CreateMode::kEphemeral), E::kOk);
  EXPECT_EQ(this->store_->create("/e/x", "", CreateMode::kPersistent), E::kNoChildrenForEphemerals);
  EXPECT_EQ(this->store_->create("/e/x", "", CreateMode::kEphemeralSequential),
            E::kNoChildrenForEphemerals);
  EXPECT_EQ(this->store_->create_recursive("/e/x/y", ""), E::kNoChildrenForEphemerals);
}

TYPED_TEST_P(MetadataStoreContractTest, MalformedPathsAreBadArguments) {
  for (std::string path :
       {std::string(""), std::string("a"), std::string("/a/"), std::string("//a"),
        std::string("/a//b"), std::string("/a/./b"), std::string("/.."), std::string("/a\0b", 4)}) {
    std::string data;
    std::vector<std::string> names;
    EXPECT_EQ(this->store_->create(path, "", CreateMode::kPersistent), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->create_recursive(path, ""), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->get(path, data), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->set(path, ""), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->remove(path), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->remove_recursive(path), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->exists(path), E::kBadArguments) << path;
    EXPECT_EQ(this->store_->children(path, names), E::kBadArguments) << path;
  }
  // A sequential create may end in '/': the counter completes the name.
  std::string created;
  ASSERT_EQ(this->store_->create("/q", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(this->store_->create("/q/", "", CreateMode::kPersistentSequential, &created), E::kOk);
  EXPECT_EQ(created, "/q/0000000000");
}

TYPED_TEST_P(MetadataStoreContractTest, DataIsLimitedToOneMiB) {
  std::string max(kMaxDataBytes, 'x');
  ASSERT_EQ(this->store_->create("/big", max, CreateMode::kPersistent), E::kOk);
  EXPECT_EQ(this->get("/big").size(), kMaxDataBytes);
  EXPECT_EQ(this->store_->create("/bigger", max + "x", CreateMode::kPersistent), E::kBadArguments);
  EXPECT_EQ(this->store_->set("/big", max + "x"), E::kBadArguments);
  EXPECT_EQ(this->store_->exists("/bigger"), E::kNoNode);
}

TYPED_TEST_P(MetadataStoreContractTest, SetAndRemoveCheckVersions) {
  EXPECT_EQ(this->store_->set("/a", "x"), E::kNoNode);
  ASSERT_EQ(this->store_->create("/a", "", CreateMode::kPersistent), E::kOk);
  EXPECT_EQ(this->store_->set("/a", "x", 1), E::kBadVersion);
  ASSERT_EQ(this->store_->set("/a", "x", 0), E::kOk);
  ASSERT_EQ(this->store_->set("/a", "y", 1), E::kOk);
  EXPECT_EQ(this->get("/a"), "y");
  EXPECT_EQ(this->store_->remove("/a", 0), E::kBadVersion);
  EXPECT_EQ(this->store_->remove("/a", 2), E::kOk);
  EXPECT_EQ(this->store_->remove("/a"), E::kNoNode);
}

TYPED_TEST_P(MetadataStoreContractTest, RemoveErrors) {
  ASSERT_EQ(this->store_->create_recursive("/a/b", ""), E::kOk);
  EXPECT_EQ(this->store_->remove("/a"), E::kNotEmpty);
  EXPECT_EQ(this->store_->remove("/"), E::kBadArguments);
  EXPECT_EQ(this->store_->remove("/a/b"), E::kOk);
  EXPECT_EQ(this->store_->remove("/a"), E::kOk);
  std::string data;
  EXPECT_EQ(this->store_->get("/a", data), E::kNoNode);
}

TYPED_TEST_P(MetadataStoreContractTest, ChildrenAreSortedNames) {
  ASSERT_EQ(this->store_->create("/t", "", CreateMode::kPersistent), E::kOk);
  for (const char* name : {"/t/c", "/t/a", "/t/b10", "/t/b2"}) {
    ASSERT_EQ(this->store_->create(name, "", CreateMode::kPersistent), E::kOk);
  }
  EXPECT_EQ(this->children("/t"), (std::vector<std::string>{"a", "b10", "b2", "c"}));
  EXPECT_EQ(this->children("/"), (std::vector<std::string>{"t"}));
  std::vector<std::string> names;
  EXPECT_EQ(this->store_->children("/none", names), E::kNoNode);
  Stat stat;
  ASSERT_EQ(this->store_->exists("/t", &stat), E::kOk);
  EXPECT_EQ(stat.num_children, 4);
  EXPECT_EQ(stat.cversion, 4);
}

TYPED_TEST_P(MetadataStoreContractTest, SequentialSuffixCountsTheChildren) {
  ASSERT_EQ(this->store_->create("/q", "", CreateMode::kPersistent), E::kOk);
  std::string a, b, c;
  ASSERT_EQ(this->store_->create("/q/item-", "", CreateMode::kPersistentSequential, &a), E::kOk);
  ASSERT_EQ(this->store_->create("/q/item-", "", CreateMode::kEphemeralSequential, &b), E::kOk);
  EXPECT_EQ(a, "/q/item-0000000000");
  EXPECT_EQ(b, "/q/item-0000000001");
  ASSERT_EQ(this->store_->remove(a), E::kOk);  // a removal also advances the counter
  ASSERT_EQ(this->store_->create("/q/other-", "", CreateMode::kPersistentSequential, &c), E::kOk);
  // ZooKeeper counts the children created (2 here); the embedded store the parent's cversion,
  // which removals advance too (3). Either way the counter never goes back.
  EXPECT_TRUE(c == "/q/other-0000000002" || c == "/q/other-0000000003") << c;
  Stat stat;
  ASSERT_EQ(this->store_->exists(b, &stat), E::kOk);
  EXPECT_TRUE(stat.ephemeral);
  EXPECT_EQ(this->store_->create("/none/x-", "", CreateMode::kPersistentSequential), E::kNoNode);
}

TYPED_TEST_P(MetadataStoreContractTest, RecursiveCreateAndRemove) {
  ASSERT_EQ(this->store_->create_recursive("/a/b/c", "leaf"), E::kOk);
  EXPECT_EQ(this->get("/a"), "");
  EXPECT_EQ(this->get("/a/b"), "");
  EXPECT_EQ(this->get("/a/b/c"), "leaf");
  EXPECT_EQ(this->store_->create_recursive("/a/b/c", "again"), E::kNodeExists);
  ASSERT_EQ(this->store_->create_recursive("/a/b/d", "d"), E::kOk);
  ASSERT_EQ(this->store_->create_recursive("/a/x", ""), E::kOk);
  EXPECT_EQ(this->store_->create_recursive("/", ""), E::kNodeExists);

  EXPECT_EQ(this->store_->remove_recursive("/"), E::kBadArguments);
  EXPECT_EQ(this->store_->remove_recursive("/nope"), E::kNoNode);
  ASSERT_EQ(this->store_->remove_recursive("/a/b"), E::kOk);
  EXPECT_EQ(this->children("/a"), std::vector<std::string>{"x"});
  ASSERT_EQ(this->store_->remove_recursive("/a"), E::kOk);
  EXPECT_TRUE(this->children("/").empty());
}

TYPED_TEST_P(MetadataStoreContractTest, MultiAppliesAllInOrder) {
  ASSERT_EQ(this->store_->create("/v", "0", CreateMode::kPersistent), E::kOk);
  std::vector<OpResult> results;
  ASSERT_EQ(this->store_->multi(
                {StoreOp::check("/v", 0), StoreOp::create("/p", "p"),
                 StoreOp::create("/p/s-", "", CreateMode::kPersistentSequential),
                 StoreOp::set("/v", "1", 0), StoreOp::create("/tmp", ""), StoreOp::remove("/tmp")},
                &results),
            E::kOk);
  ASSERT_EQ(results.size(), 6u);
  for (const OpResult& r : results)
    EXPECT_EQ(r.error, E::kOk);
  EXPECT_EQ(results[1].created_path, "/p");
  EXPECT_EQ(results[2].created_path, "/p/s-0000000000");
  EXPECT_EQ(this->get("/v"), "1");
  EXPECT_EQ(this->store_->exists("/tmp"), E::kNoNode);
  EXPECT_EQ(this->store_->multi({}), E::kOk);
}

TYPED_TEST_P(MetadataStoreContractTest, FailingMultiAppliesNothing) {
  ASSERT_EQ(this->store_->create("/v", "0", CreateMode::kPersistent), E::kOk);
  Events events;
  std::string data;
  ASSERT_EQ(this->store_->get("/v", data, nullptr, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->exists("/a", nullptr, events.watcher()), E::kNoNode);

  std::vector<OpResult> results;
  EXPECT_EQ(this->store_->multi(
                {StoreOp::create("/a", "a"), StoreOp::create("/a/b", ""), StoreOp::set("/v", "1"),
                 StoreOp::remove("/v"), StoreOp::check("/v", 0), StoreOp::create("/c", "")},
                &results),
            E::kNoNode);  // each op sees the ones before it: /v was just removed
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0].error, E::kOk);
  EXPECT_EQ(results[3].error, E::kOk);
  EXPECT_EQ(results[4].error, E::kNoNode);
  EXPECT_EQ(results[5].error, E::kRuntimeInconsistency);
  EXPECT_EQ(this->store_->exists("/a"), E::kNoNode);
  Stat stat;
  ASSERT_EQ(this->store_->get("/v", data, &stat), E::kOk);
  EXPECT_EQ(data, "0");
  EXPECT_EQ(stat.version, 0);
  EXPECT_EQ(this->children("/"), std::vector<std::string>{"v"});
  this->settle();
  EXPECT_EQ(events.size(), 0u);

  EXPECT_EQ(this->store_->multi({StoreOp::set("/v", "x", 7)}), E::kBadVersion);
  EXPECT_EQ(this->store_->multi({StoreOp::create("/v", "")}), E::kNodeExists);
  EXPECT_EQ(this->store_->multi({StoreOp::remove("/")}), E::kBadArguments);
  EXPECT_EQ(this->get("/v"), "0");
}

TYPED_TEST_P(MetadataStoreContractTest, DataWatchFiresOnceOnChangeAndOnDelete) {
  ASSERT_EQ(this->store_->create("/a", "", CreateMode::kPersistent), E::kOk);
  Events events;
  std::string data;
  ASSERT_EQ(this->store_->get("/a", data, nullptr, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->set("/a", "1"), E::kOk);
  ASSERT_EQ(this->store_->set("/a", "2"), E::kOk);
  this->settle();
  auto seen = events.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(WatchEvent::kDataChanged, std::string("/a")));

  ASSERT_EQ(this->store_->exists("/a", nullptr, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->remove("/a"), E::kOk);
  this->settle();
  seen = events.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, WatchEvent::kDeleted);

  // get on a missing node sets no watch; exists does, and it fires on creation.
  EXPECT_EQ(this->store_->get("/a", data, nullptr, events.watcher()), E::kNoNode);
  EXPECT_EQ(this->store_->exists("/b", nullptr, events.watcher()), E::kNoNode);
  ASSERT_EQ(this->store_->create("/a", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(this->store_->create("/b", "", CreateMode::kPersistent), E::kOk);
  this->settle();
  seen = events.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2], std::make_pair(WatchEvent::kCreated, std::string("/b")));
}

TYPED_TEST_P(MetadataStoreContractTest, ChildWatchFiresOnceOnChildCreateAndOnDelete) {
  ASSERT_EQ(this->store_->create("/p", "", CreateMode::kPersistent), E::kOk);
  Events events;
  std::vector<std::string> names;
  ASSERT_EQ(this->store_->children("/p", names, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->set("/p", "data changes are not child changes"), E::kOk);
  ASSERT_EQ(this->store_->create("/p/1", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(this->store_->create("/p/2", "", CreateMode::kPersistent), E::kOk);
  this->settle();
  auto seen = events.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(WatchEvent::kChildrenChanged, std::string("/p")));

  ASSERT_EQ(this->store_->children("/p", names, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->remove_recursive("/p"), E::kOk);
  this->settle();
  seen = events.seen();
  ASSERT_EQ(seen.size(), 2u);  // one child watch: fires once, for the first removal
  EXPECT_EQ(seen[1].first, WatchEvent::kChildrenChanged);

  ASSERT_EQ(this->store_->create("/q", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(this->store_->children("/q", names, events.watcher()), E::kOk);
  ASSERT_EQ(this->store_->remove("/q"), E::kOk);
  this->settle();
  seen = events.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2], std::make_pair(WatchEvent::kDeleted, std::string("/q")));
}

TYPED_TEST_P(MetadataStoreContractTest, WatcherMayCallBackIntoTheStore) {
  ASSERT_EQ(this->store_->create("/brokers", "", CreateMode::kPersistent), E::kOk);
  std::mutex mu;
  std::vector<std::vector<std::string>> observed;
  auto observed_count = [&] {
    std::lock_guard lock(mu);
    return observed.size();
  };
  // The usual pattern: on every change, re-read the children and re-arm the watch.
  std::function<void(WatchEvent, const std::string&)> rewatch = [&](WatchEvent,
                                                                    const std::string& path) {
    std::vector<std::string> names;
    ASSERT_EQ(this->store_->children(path, names, rewatch), E::kOk);
    {
      std::lock_guard lock(mu);
      observed.push_back(names);
    }
    if (names.size() == 1) {
      ASSERT_EQ(this->store_->create("/brokers/2", "", CreateMode::kEphemeral), E::kOk);  // nested
    }
  };
  std::vector<std::string> names;
  ASSERT_EQ(this->store_->children("/brokers", names, rewatch), E::kOk);
  ASSERT_EQ(this->store_->create("/brokers/1", "", CreateMode::kEphemeral), E::kOk);
  ASSERT_TRUE(this->eventually([&] { return observed_count() >= 2; }));
  this->settle();
  std::lock_guard lock(mu);
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[0], std::vector<std::string>{"1"});
  EXPECT_EQ(observed[1], (std::vector<std::string>{"1", "2"}));
}

TYPED_TEST_P(MetadataStoreContractTest, ConcurrentWritersStayConsistent) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  ASSERT_EQ(this->store_->create("/seq", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(this->store_->create("/counter", "0", CreateMode::kPersistent), E::kOk);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> created(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string path;
        ASSERT_EQ(this->store_->create("/seq/n-", "", CreateMode::kPersistentSequential, &path),
                  E::kOk);
        created[t].push_back(path);
        // Compare-and-set increment, retried on a lost race (bounded).
        int attempts = 0;
        for (;; ++attempts) {
          ASSERT_LT(attempts, 1000);
          std::string value;
          Stat stat;
          ASSERT_EQ(this->store_->get("/counter", value, &stat), E::kOk);
          E e = this->store_->set("/counter", std::to_string(std::stoi(value) + 1), stat.version);
          if (e == E::kOk) break;
          ASSERT_EQ(e, E::kBadVersion);
        }
      }
    });
  }
  for (std::thread& t : threads)
    t.join();

  std::set<std::string> unique;
  for (const auto& paths : created)
    unique.insert(paths.begin(), paths.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<std::string> names = this->children("/seq");
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(names.front(), "n-0000000000");
  EXPECT_EQ(names.back(), "n-0000000099");
  Stat stat;
  std::string value;
  ASSERT_EQ(this->store_->get("/counter", value, &stat), E::kOk);
  EXPECT_EQ(value, std::to_string(kThreads * kPerThread));
  EXPECT_EQ(stat.version, kThreads * kPerThread);
}

REGISTER_TYPED_TEST_SUITE_P(MetadataStoreContractTest, CreateGetSetWithStat, CreateErrors,
                            MalformedPathsAreBadArguments, DataIsLimitedToOneMiB,
                            SetAndRemoveCheckVersions, RemoveErrors, ChildrenAreSortedNames,
                            SequentialSuffixCountsTheChildren, RecursiveCreateAndRemove,
                            MultiAppliesAllInOrder, FailingMultiAppliesNothing,
                            DataWatchFiresOnceOnChangeAndOnDelete,
                            ChildWatchFiresOnceOnChildCreateAndOnDelete,
                            WatcherMayCallBackIntoTheStore, ConcurrentWritersStayConsistent);

INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, MetadataStoreContractTest, EmbeddedBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(ZooKeeper, MetadataStoreContractTest, ZooKeeperBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(InMemoryCluster, MetadataStoreContractTest, InMemoryClusterBackend);

}  // namespace gregor::cluster::testing
