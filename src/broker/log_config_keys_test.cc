// The topic config table: every key Kafka 3.x defines for a topic is known, takes Kafka's default,
// validates as Kafka does, and prints back what it was given.
#include "broker/log_config_keys.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "broker/broker_config.h"
#include "broker/log_config_values.h"

namespace gregor::broker {
namespace {

// Kafka 3.9's topic configs with their defaults (message.format.version is 3.0-IV1 for 3.0-3.9).
const std::map<std::string, std::string> kKafkaTopicDefaults = {
    {"cleanup.policy", "delete"},
    {"compression.type", "producer"},
    {"compression.gzip.level", "-1"},
    {"compression.lz4.level", "9"},
    {"compression.zstd.level", "3"},
    {"delete.retention.ms", "86400000"},
    {"file.delete.delay.ms", "60000"},
    {"flush.messages", "9223372036854775807"},
    {"flush.ms", "9223372036854775807"},
    {"follower.replication.throttled.replicas", ""},
    {"index.interval.bytes", "4096"},
    {"leader.replication.throttled.replicas", ""},
    {"local.retention.bytes", "-2"},
    {"local.retention.ms", "-2"},
    {"max.compaction.lag.ms", "9223372036854775807"},
    {"max.message.bytes", "1048588"},
    {"message.downconversion.enable", "true"},
    {"message.format.version", "3.0-IV1"},
    {"message.timestamp.after.max.ms", "9223372036854775807"},
    {"message.timestamp.before.max.ms", "9223372036854775807"},
    {"message.timestamp.difference.max.ms", "9223372036854775807"},
    {"message.timestamp.type", "CreateTime"},
    {"min.cleanable.dirty.ratio", "0.5"},
    {"min.compaction.lag.ms", "0"},
    {"min.insync.replicas", "1"},
    {"preallocate", "false"},
    {"remote.log.copy.disable", "false"},
    {"remote.log.delete.on.disable", "false"},
    {"remote.storage.enable", "false"},
    {"retention.bytes", "-1"},
    {"retention.ms", "604800000"},
    {"segment.bytes", "1073741824"},
    {"segment.index.bytes", "10485760"},
    {"segment.jitter.ms", "0"},
    {"segment.ms", "604800000"},
    {"unclean.leader.election.enable", "false"},
};

TEST(LogConfigKeysTest, EveryKafkaTopicConfigIsKnownWithKafkasDefault) {
  const storage::LogConfig defaults;
  std::set<std::string> known;
  for (const auto& key : log_config_keys()) {
    if (key.topic_key.empty()) continue;
    known.emplace(key.topic_key);
    auto it = kKafkaTopicDefaults.find(std::string(key.topic_key));
    ASSERT_NE(it, kKafkaTopicDefaults.end()) << key.topic_key << " is not a Kafka topic config";
    EXPECT_EQ(key.render(defaults), it->second) << key.topic_key;
  }
  for (const auto& [name, value] : kKafkaTopicDefaults)
    EXPECT_TRUE(known.contains(name)) << name << " is missing";
}

TEST(LogConfigKeysTest, EveryKeyTakesBackItsDefaultAndPrintsWhatItWasGiven) {
  const TopicConfigs accepted = {
      {"compression.type", "gzip"},
      {"compression.gzip.level", "9"},
      {"compression.lz4.level", "17"},
      {"compression.zstd.level", "-5"},
      {"file.delete.delay.ms", "0"},
      {"preallocate", "true"},
      {"message.format.version", "2.8-IV1"},
      {"message.downconversion.enable", "false"},
      {"message.timestamp.difference.max.ms", "1000"},
      {"message.timestamp.before.max.ms", "0"},
      {"message.timestamp.after.max.ms", "5"},
      {"local.retention.ms", "-1"},
      {"local.retention.bytes", "100"},
      {"remote.storage.enable", "false"},
      {"remote.log.copy.disable", "true"},
      {"remote.log.delete.on.disable", "true"},
  };
  storage::LogConfig config;
  std::string error;
  ASSERT_TRUE(apply_topic_configs(config, accepted, error)) << error;
  for (const auto& key : log_config_keys()) {
    auto it = accepted.find(key.topic_key);
    if (it != accepted.end()) {
      EXPECT_EQ(key.render(config), it->second) << key.topic_key;
    }
  }
  EXPECT_EQ(config.compression, protocol::Compression::kGzip);
}

TEST(LogConfigKeysTest, BadValuesAreRefusedNamingKeyAndValue) {
  const std::pair<const char*, const char*> refused[] = {
      {"compression.type", "brotli"},
      {"compression.type", "GZIP"},  // Kafka's validator is case-sensitive
      {"compression.gzip.level", "0"},
      {"compression.gzip.level", "10"},
      {"compression.lz4.level", "0"},
      {"compression.zstd.level", "23"},
      {"file.delete.delay.ms", "-1"},
      {"preallocate", "yes"},
      {"message.format.version", "4.0"},
      {"message.format.version", "0.7.0"},
      {"message.format.version", "2.8-IVx"},
      {"message.format.version", ""},
      {"message.downconversion.enable", "1"},
      {"message.timestamp.difference.max.ms", "-1"},
      {"message.timestamp.before.max.ms", "x"},
      {"local.retention.ms", "-3"},
      {"local.retention.bytes", "-3"},
      {"remote.storage.enable", "true"},  // no remote tier
      {"remote.log.copy.disable", "maybe"},
  };
  for (const auto& [key, value] : refused) {
    storage::LogConfig config;
    std::string error;
    EXPECT_FALSE(apply_topic_configs(config, {{key, value}}, error)) << key << "=" << value;
    EXPECT_TRUE(error.starts_with(std::string("Invalid value ") + value + " for configuration " +
                                  key + ":"))
        << error;
  }
}

TEST(LogConfigKeysTest, UnknownKeysAreStillUnknown) {
  storage::LogConfig config;
  std::string error;
  EXPECT_FALSE(apply_topic_configs(config, {{"compression.codec", "gzip"}}, error));
  EXPECT_EQ(error, "Unknown topic config name: compression.codec");
}

TEST(LogConfigKeysTest, MessageFormatVersionsOfEveryKafkaReleaseAreValid) {
  std::string error;
  for (const char* version : {"0.8.0", "0.8.2", "0.9.0", "0.10.0-IV1", "0.10.2", "0.11.0", "1.0",
                              "1.1-IV0", "2.0", "2.8", "2.8.1", "3.0-IV1", "3.9"}) {
    EXPECT_TRUE(valid_message_format_version(version, error)) << version;
  }
  for (const char* version : {"0.8", "0.12.0", "1.2", "2.9", "4.0", "3", "a.b", "3.0-"}) {
    EXPECT_FALSE(valid_message_format_version(version, error)) << version;
  }
}

TEST(LogConfigKeysTest, MessageFormatVersionIsNotADynamicBrokerConfig) {
  storage::LogConfig config;
  std::string error;
  EXPECT_FALSE(
      apply_log_configs(config, {{"log.message.format.version", "2.8"}}, KeyLevel::kBroker, error));
  EXPECT_TRUE(error.starts_with("Cannot update these configs dynamically")) << error;
  EXPECT_TRUE(apply_log_configs(config, {{"compression.type", "zstd"}}, KeyLevel::kBroker, error));
  EXPECT_EQ(config.compression, protocol::Compression::kZstd);
}

TEST(LogConfigKeysTest, TimestampBoundsFallBackToTheDifference) {
  storage::LogConfig config;
  EXPECT_TRUE(storage::timestamp_bounds(config).unlimited());
  config.message_timestamp_difference_max_ms = 1000;
  EXPECT_EQ(storage::timestamp_bounds(config).before_ms, 1000);
  EXPECT_EQ(storage::timestamp_bounds(config).after_ms, 1000);
  config.message_timestamp_after_max_ms = 10;
  EXPECT_EQ(storage::timestamp_bounds(config).before_ms, 1000);
  EXPECT_EQ(storage::timestamp_bounds(config).after_ms, 10);
  config.timestamp_type = protocol::TimestampType::kLogAppendTime;
  EXPECT_TRUE(storage::timestamp_bounds(config).unlimited());
}

TEST(LogConfigKeysTest, ServerPropertiesSetTheBrokerDefaultsAndAreRemembered) {
  std::string error;
  std::vector<std::string> warnings;
  auto config = parse_broker_config({{"compression.type", "lz4"},
                                     {"log.message.timestamp.difference.max.ms", "60000"},
                                     {"log.message.format.version", "2.8"},
                                     {"log.roll.jitter.hours", "2"},
                                     {"log.retention.hours", "24"}},
                                    error, warnings);
  ASSERT_TRUE(config) << error;
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(config->log.compression, protocol::Compression::kLz4);
  EXPECT_EQ(config->log.message_timestamp_difference_max_ms, 60000);
  EXPECT_EQ(config->log.message_format_version, "2.8");
  EXPECT_EQ(config->log.segment_jitter_ms, 2 * 3600000);
  EXPECT_EQ(config->log_properties.at("log.retention.hours"), "24");
  EXPECT_EQ(config->log_properties.at("compression.type"), "lz4");
  EXPECT_FALSE(parse_broker_config({{"compression.type", "brotli"}}, error, warnings));
  EXPECT_NE(error.find("compression.type"), std::string::npos) << error;
}

}  // namespace
}  // namespace gregor::broker
