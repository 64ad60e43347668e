#include "broker/broker_config.h"
#include "broker/log_config_keys.h"

#include <gtest/gtest.h>

#include <limits>

namespace gregor::broker {
namespace {

std::optional<BrokerConfig> parse(const Properties& props, std::string& error) {
  std::vector<std::string> warnings;
  return parse_broker_config(props, error, warnings);
}

TEST(BrokerConfigTest, DefaultsAreKafkas) {
  std::string error;
  auto config = parse({}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->num_partitions, 1);
  EXPECT_TRUE(config->auto_create_topics_enable);
  EXPECT_EQ(config->socket_request_max_bytes, 104857600);
  EXPECT_EQ(config->log.segment_bytes, 1073741824);
  EXPECT_EQ(config->log.max_message_bytes, 1048588);
  EXPECT_EQ(config->listeners.front().port, 9092);
}

TEST(BrokerConfigTest, ParsesListenersAndDirs) {
  std::string error;
  auto config = parse({{"listeners", "PLAINTEXT://127.0.0.1:19092"},
                       {"advertised.listeners", "PLAINTEXT://example.org:9000"},
                       {"log.dirs", "/a, /b"}},
                      error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->listeners.front().host, "127.0.0.1");
  EXPECT_EQ(config->listeners.front().port, 19092);
  EXPECT_EQ(config->advertised().host, "example.org");
  EXPECT_EQ(config->log_dirs, (std::vector<std::string>{"/a", "/b"}));
}

TEST(BrokerConfigTest, MetadataStoreKeys) {
  std::string error;
  auto config = parse({}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->zookeeper_connect, "");  // the embedded store
  EXPECT_EQ(config->zookeeper_session_timeout_ms, 18000);
  EXPECT_EQ(config->zookeeper_connection_timeout_ms, -1);
  config = parse({{"zookeeper.connect", "zk1:2181,zk2:2181/gregor"},
                  {"zookeeper.session.timeout.ms", "6000"},
                  {"zookeeper.connection.timeout.ms", "3000"},
                  {"broker.rack", "rack-a"}},
                 error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->zookeeper_connect, "zk1:2181,zk2:2181/gregor");
  EXPECT_EQ(config->zookeeper_session_timeout_ms, 6000);
  EXPECT_EQ(config->zookeeper_connection_timeout_ms, 3000);
  EXPECT_EQ(config->broker_rack, "rack-a");

  EXPECT_FALSE(parse({{"zookeeper.connect", "zk1:2181/bad//chroot"}}, error));
  EXPECT_EQ(error,
            "invalid value 'zk1:2181/bad//chroot' for zookeeper.connect: invalid chroot path "
            "'/bad//chroot'");
  EXPECT_FALSE(parse({{"zookeeper.connect", "/chroot"}}, error));
  EXPECT_EQ(error, "invalid value '/chroot' for zookeeper.connect: no ZooKeeper server named");
  EXPECT_FALSE(parse({{"zookeeper.session.timeout.ms", "0"}}, error));
  EXPECT_NE(error.find("zookeeper.session.timeout.ms"), std::string::npos);
}

TEST(BrokerConfigTest, ControlledShutdownKeys) {
  std::string error;
  auto config = parse({}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_TRUE(config->controlled_shutdown_enable);
  EXPECT_EQ(config->controlled_shutdown_max_retries, 3);
  EXPECT_EQ(config->controlled_shutdown_retry_backoff_ms, 5000);
  config = parse({{"controlled.shutdown.enable", "false"},
                  {"controlled.shutdown.max.retries", "5"},
                  {"controlled.shutdown.retry.backoff.ms", "250"}},
                 error);
  ASSERT_TRUE(config) << error;
  EXPECT_FALSE(config->controlled_shutdown_enable);
  EXPECT_EQ(config->controlled_shutdown_max_retries, 5);
  EXPECT_EQ(config->controlled_shutdown_retry_backoff_ms, 250);
  EXPECT_FALSE(parse({{"controlled.shutdown.max.retries", "-1"}}, error));
  EXPECT_NE(error.find("controlled.shutdown.max.retries"), std::string::npos);
}

TEST(BrokerConfigTest, FinestRetentionUnitWins) {
  std::string error;
  auto config = parse({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->log.retention_ms, 120000);
  config = parse({{"log.retention.minutes", "2"}, {"log.retention.ms", "5"}}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->log.retention_ms, 5);
}

TEST(BrokerConfigTest, BadValueNamesTheKey) {
  std::string error;
  EXPECT_FALSE(parse({{"num.partitions", "abc"}}, error));
  EXPECT_EQ(error, "invalid value 'abc' for num.partitions: not an integer");
  EXPECT_FALSE(parse({{"num.partitions", "0"}}, error));
  EXPECT_NE(error.find("num.partitions"), std::string::npos);
  EXPECT_FALSE(parse({{"listeners", "nonsense"}}, error));
  EXPECT_NE(error.find("listeners"), std::string::npos);
  EXPECT_FALSE(parse({{"log.message.timestamp.type", "Sometime"}}, error));
  EXPECT_NE(error.find("log.message.timestamp.type"), std::string::npos);
  EXPECT_FALSE(parse({{"auto.create.topics.enable", "yes"}}, error));
}

// An integer setting of the offsets topic: its default, a value taken, and values refused with
// an error naming the key.
template <typename T>
void expect_offsets_topic_key(const std::string& key, T coordinator::GroupConfig::*member,
                              T default_value, const std::string& good, T good_value,
                              std::initializer_list<const char*> bad_values) {
  std::string error;
  auto config = parse({}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->groups.*member, default_value) << key;
  config = parse({{key, good}}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->groups.*member, good_value) << key;
  for (const char* bad : bad_values) {
    EXPECT_FALSE(parse({{key, bad}}, error)) << key << "=" << bad;
    EXPECT_NE(error.find(key), std::string::npos) << error;
  }
}

TEST(BrokerConfigTest, OffsetsTopicSettings) {
  expect_offsets_topic_key<int16_t>("offsets.topic.replication.factor",
                                    &coordinator::GroupConfig::offsets_topic_replication_factor, 3,
                                    "1", 1, {"0", "-1", "32768", "three"});
  expect_offsets_topic_key<int32_t>("offsets.topic.segment.bytes",
                                    &coordinator::GroupConfig::offsets_topic_segment_bytes,
                                    104857600, "4096", 4096, {"13", "-1", "2147483648", "big"});
}

TEST(BrokerConfigTest, UnknownKeysWarn) {
  std::string error;
  std::vector<std::string> warnings;
  auto config =
      parse_broker_config({{"no.such.key", "1"}, {"num.io.threads", "8"}}, error, warnings);
  ASSERT_TRUE(config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no.such.key"), std::string::npos);
}

TEST(BrokerConfigTest, TopicConfigsValidate) {
  storage::LogConfig config;
  std::string error;
  EXPECT_TRUE(
      apply_topic_configs(config, {{"retention.ms", "1000"}, {"segment.bytes", "1024"}}, error));
  EXPECT_EQ(config.retention_ms, 1000);
  EXPECT_EQ(config.segment_bytes, 1024);
  EXPECT_FALSE(apply_topic_configs(config, {{"retention.ms", "-5"}}, error));
  EXPECT_NE(error.find("retention.ms"), std::string::npos);
  EXPECT_FALSE(apply_topic_configs(config, {{"cleanup.policy", "shred"}}, error));
  EXPECT_FALSE(apply_topic_configs(config, {{"no.such.config", "1"}}, error));
  EXPECT_EQ(error, "Unknown topic config name: no.such.config");
}

TEST(BrokerConfigTest, ThrottledRatesFromServerProperties) {
  std::string error;
  auto config = parse({{"leader.replication.throttled.rate", "1000000"}}, error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->log.leader_throttled_rate, 1000000);
  EXPECT_EQ(config->log.follower_throttled_rate, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(parse({{"follower.replication.throttled.rate", "0"}}, error));
  EXPECT_NE(error.find("follower.replication.throttled.rate"), std::string::npos) << error;
}

}  // namespace
}  // namespace gregor::broker
