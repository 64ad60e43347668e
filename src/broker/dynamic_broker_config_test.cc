#include "broker/dynamic_broker_config.h"

#include <gtest/gtest.h>

#include "cluster/testing_store.h"

namespace gregor::broker {
namespace {

class DynamicBrokerConfigTest : public cluster::testing::EmbeddedStoreFixture {
 protected:
  DynamicBrokerConfig make() {
    storage::LogConfig static_defaults;
    static_defaults.retention_ms = 1000;  // as if server.properties set it
    return DynamicBrokerConfig(*store_, 3, static_defaults);
  }
};

TEST_F(DynamicBrokerConfigTest, ScopesAndPrecedence) {
  auto config = make();
  ConfigChange error;
  EXPECT_EQ(config.scope_of("", error), DynamicScope::kClusterDefault);
  EXPECT_EQ(config.scope_of("3", error), DynamicScope::kThisBroker);
  EXPECT_FALSE(config.scope_of("4", error).has_value());
  EXPECT_EQ(error.error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(error.message, "Unexpected broker id, expected 3, but received 4");

  EXPECT_EQ(config.log_defaults().retention_ms, 1000);
  ASSERT_EQ(config
                .replace(DynamicScope::kClusterDefault,
                         {{"log.retention.ms", "2000"}, {"log.segment.bytes", "4096"}}, false)
                .error,
            ErrorCode::kNone);
  EXPECT_EQ(config.log_defaults().retention_ms, 2000);
  ASSERT_EQ(config.replace(DynamicScope::kThisBroker, {{"log.retention.ms", "3000"}}, false).error,
            ErrorCode::kNone);
  EXPECT_EQ(config.log_defaults().retention_ms, 3000);  // this broker's beats the default
  EXPECT_EQ(config.log_defaults().segment_bytes, 4096);
  EXPECT_EQ(config.static_defaults().retention_ms, 1000);
  EXPECT_EQ(config.all_overrides().cluster_default.size(), 2u);
}

TEST_F(DynamicBrokerConfigTest, RefusesStaticUnknownAndBadValuesAndStoresNothing) {
  auto config = make();
  auto refused = config.replace(DynamicScope::kThisBroker, {{"num.partitions", "3"}}, false);
  EXPECT_EQ(refused.error, ErrorCode::kInvalidRequest);
  EXPECT_NE(refused.message.find("Cannot update these configs dynamically: Set(num.partitions)"),
            std::string::npos)
      << refused.message;
  refused = config.replace(DynamicScope::kThisBroker, {{"log.retention.ms", "soon"}}, false);
  EXPECT_NE(refused.message.find("Invalid value soon for configuration log.retention.ms"),
            std::string::npos)
      << refused.message;
  EXPECT_TRUE(config.overrides(DynamicScope::kThisBroker).empty());
  EXPECT_FALSE(config.scope_of("x", refused).has_value());
  EXPECT_EQ(refused.message, "Node id must be an integer, but it is: x");
  // validate_only checks without storing.
  EXPECT_EQ(config.replace(DynamicScope::kThisBroker, {{"log.retention.ms", "5"}}, true).error,
            ErrorCode::kNone);
  EXPECT_TRUE(config.overrides(DynamicScope::kThisBroker).empty());
}

TEST_F(DynamicBrokerConfigTest, SurvivesARestartInKafkasZnodes) {
  {
    auto config = make();
    ASSERT_EQ(
        config.replace(DynamicScope::kThisBroker, {{"message.max.bytes", "2000"}}, false).error,
        ErrorCode::kNone);
    ASSERT_EQ(
        config.replace(DynamicScope::kClusterDefault, {{"log.roll.ms", "60000"}}, false).error,
        ErrorCode::kNone);
  }
  reopen();
  std::string data;
  ASSERT_EQ(store_->get("/config/brokers/3", data), cluster::StoreError::kOk);
  EXPECT_EQ(data, R"({"config":{"message.max.bytes":"2000"},"version":1})");
  ASSERT_EQ(store_->get("/config/brokers/<default>", data), cluster::StoreError::kOk);
  // A value that no longer parses (written by someone else) is ignored, not fatal.
  ASSERT_EQ(
      store_->set("/config/brokers/<default>", R"({"version":1,"config":{"log.roll.ms":"never"}})"),
      cluster::StoreError::kOk);
  auto config = make();
  config.load();
  EXPECT_EQ(config.log_defaults().max_message_bytes, 2000);
  EXPECT_TRUE(config.overrides(DynamicScope::kClusterDefault).empty());
}

TEST_F(DynamicBrokerConfigTest, StoresOtherDynamicAndCustomKeysWithoutTouchingTheLogs) {
  auto config = make();
  ASSERT_EQ(
      config
          .replace(DynamicScope::kClusterDefault,
                   {{"num.io.threads", "16"}, {"my.custom.key", "x"}, {"log.retention.ms", "7"}},
                   false)
          .error,
      ErrorCode::kNone);
  EXPECT_EQ(config.overrides(DynamicScope::kClusterDefault).size(), 3u);
  EXPECT_EQ(config.log_defaults().retention_ms, 7);

  auto reloaded = make();
  reloaded.load();
  EXPECT_EQ(reloaded.overrides(DynamicScope::kClusterDefault).at("num.io.threads"), "16");
}

TEST_F(DynamicBrokerConfigTest, PerBrokerKeysAreRefusedAtTheClusterDefaultOnly) {
  auto config = make();
  auto refused =
      config.replace(DynamicScope::kClusterDefault, {{"listeners", "PLAINTEXT://:9092"}}, false);
  EXPECT_EQ(refused.error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(refused.message,
            "Cannot update these configs at default cluster level, broker id must be specified: "
            "Set(listeners)");
  EXPECT_EQ(
      config.replace(DynamicScope::kThisBroker, {{"listeners", "PLAINTEXT://:9092"}}, false).error,
      ErrorCode::kNone);
}

}  // namespace
}  // namespace gregor::broker
