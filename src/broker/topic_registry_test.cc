// TopicRegistry against a metadata store that can lose its connection: a topic the store cannot
// answer for is kept as it was, never taken for deleted (a ZooKeeper outage must delete nothing).
// And against a store another broker writes to: a name taken there is taken here too.
#include "broker/topic_registry.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/embedded_metadata_store.h"
#include "common/temp_dir.h"

namespace gregor::broker {
namespace {

using cluster::StoreError;

// Delegates to a real store until cut off; then every call fails with kConnectionLoss.
class SeveredStore final : public cluster::MetadataStore {
 public:
  explicit SeveredStore(cluster::MetadataStore& store) : store_(store) {}
  bool cut = false;

  StoreError create(const std::string& path, std::string data, cluster::CreateMode mode,
                    std::string* created) override {
    return cut ? lost() : store_.create(path, std::move(data), mode, created);
  }
  StoreError create_recursive(const std::string& path, std::string data) override {
    return cut ? lost() : store_.create_recursive(path, std::move(data));
  }
  StoreError get(const std::string& path, std::string& data, cluster::Stat* stat,
                 cluster::Watcher watch) override {
    return cut ? lost() : store_.get(path, data, stat, std::move(watch));
  }
  StoreError set(const std::string& path, std::string data, int32_t version,
                 cluster::Stat* stat) override {
    return cut ? lost() : store_.set(path, std::move(data), version, stat);
  }
  StoreError remove(const std::string& path, int32_t version) override {
    return cut ? lost() : store_.remove(path, version);
  }
  StoreError remove_recursive(const std::string& path) override {
    return cut ? lost() : store_.remove_recursive(path);
  }
  StoreError exists(const std::string& path, cluster::Stat* stat, cluster::Watcher watch) override {
    return cut ? lost() : store_.exists(path, stat, std::move(watch));
  }
  StoreError children(const std::string& path, std::vector<std::string>& names,
                      cluster::Watcher watch) override {
    return cut ? lost() : store_.children(path, names, std::move(watch));
  }
  StoreError multi(const std::vector<cluster::StoreOp>& ops,
                   std::vector<cluster::OpResult>* results) override {
    return cut ? lost() : store_.multi(ops, results);
  }

 private:
  static StoreError lost() { return StoreError::kConnectionLoss; }
  cluster::MetadataStore& store_;
};

class TopicRegistryOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("gregor_topics");
    ASSERT_FALSE(dir_.empty());
    std::string error;
    store_ = cluster::EmbeddedMetadataStore::open(dir_, error);
    ASSERT_NE(store_, nullptr) << error;
    severed_ = std::make_unique<SeveredStore>(*store_);
    registry_ = std::make_unique<TopicRegistry>(*severed_, storage::LogConfig{}, [] {
      return std::vector<cluster::BrokerPlacement>{{.id = 0}};
    });
    ASSERT_EQ(registry_->load(error), ErrorCode::kNone) << error;
  }
  void TearDown() override {
    registry_.reset();
    severed_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<cluster::EmbeddedMetadataStore> store_;
  std::unique_ptr<SeveredStore> severed_;
  std::unique_ptr<TopicRegistry> registry_;
};

TEST_F(TopicRegistryOutageTest, AnUnreadableTopicIsKeptNotDeleted) {
  ASSERT_EQ(registry_->create("orders", 2, 1, {}, {{"retention.ms", "1000"}}, false).error,
            ErrorCode::kNone);
  severed_->cut = true;
  EXPECT_FALSE(registry_->reload("orders").has_value());
  auto kept = registry_->find("orders");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->partition_count(), 2);
  EXPECT_EQ(kept->configs.at("retention.ms"), "1000");

  severed_->cut = false;  // back: the same topic, read again
  auto again = registry_->reload("orders");
  ASSERT_TRUE(again.has_value());
  ASSERT_NE(*again, nullptr);
  EXPECT_EQ((*again)->partition_count(), 2);
}

TEST_F(TopicRegistryOutageTest, ATopicGoneFromAReachableStoreIsDropped) {
  ASSERT_EQ(registry_->create("gone", 1, 1, {}, {}, false).error, ErrorCode::kNone);
  ASSERT_EQ(store_->remove_recursive(cluster::topic_path("gone")), StoreError::kOk);
  auto reloaded = registry_->reload("gone");
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_EQ(*reloaded, nullptr);
  EXPECT_EQ(registry_->find("gone"), nullptr);
  EXPECT_FALSE(registry_->reload("never-existed").value_or(nullptr));
}

// Another broker created the topic a moment ago and this one has not seen its znode yet: the
// name is taken (which auto-creation answers by reading the topic), not a failure of the store.
TEST_F(TopicRegistryOutageTest, ATopicCreatedElsewhereMeanwhileAlreadyExists) {
  TopicRegistry elsewhere(*store_, storage::LogConfig{},
                          [] { return std::vector<cluster::BrokerPlacement>{{.id = 0}}; });
  std::string error;
  ASSERT_EQ(elsewhere.load(error), ErrorCode::kNone) << error;
  ASSERT_EQ(elsewhere.create("orders", 1, 1, {}, {}, false).error, ErrorCode::kNone);

  auto again = registry_->create("orders", 3, 1, {}, {}, false);
  EXPECT_EQ(again.error, ErrorCode::kTopicAlreadyExists);
  EXPECT_EQ(again.message, "Topic 'orders' already exists.");
  EXPECT_EQ(again.topic, nullptr);
  auto seen = registry_->reload("orders");
  ASSERT_TRUE(seen.has_value());
  ASSERT_NE(*seen, nullptr);
  EXPECT_EQ((*seen)->partition_count(), 1);  // the other broker's topic, untouched
}

}  // namespace
}  // namespace gregor::broker
