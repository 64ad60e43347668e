#include "broker/config_entries.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace gregor::broker {
namespace {

const ConfigEntry& find(const std::vector<ConfigEntry>& entries, const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return e;
  }
  ADD_FAILURE() << "no entry " << name;
  return entries.front();
}

TEST(ConfigEntriesTest, TopicOverridesAreDynamicWithTheBrokerKeyAsSynonym) {
  BrokerConfig broker;
  broker.log.retention_ms = 1000;  // as if server.properties set log.retention.ms
  TopicInfo topic;
  topic.configs["max.message.bytes"] = "2000";
  topic.log_config = broker.log;
  topic.log_config.max_message_bytes = 2000;
  auto entries = topic_config_entries(topic, broker, {});

  const auto& max = find(entries, "max.message.bytes");
  EXPECT_EQ(max.value, "2000");
  EXPECT_EQ(max.source, ConfigSource::kDynamicTopic);
  ASSERT_EQ(max.synonyms.size(), 2u);
  EXPECT_EQ(max.synonyms[1].name, "message.max.bytes");
  EXPECT_EQ(max.synonyms[1].value, "1048588");
  EXPECT_EQ(max.synonyms[1].source, ConfigSource::kDefault);

  const auto& retention = find(entries, "retention.ms");
  EXPECT_EQ(retention.value, "1000");
  EXPECT_EQ(retention.source, ConfigSource::kStaticBroker);
  EXPECT_EQ(find(entries, "segment.bytes").source, ConfigSource::kDefault);
}

TEST(ConfigEntriesTest, DynamicBrokerValuesComeBeforeTheStaticOne) {
  BrokerConfig broker;
  broker.log.retention_ms = 1000;
  DynamicOverrides dynamic;
  dynamic.cluster_default["log.retention.ms"] = "2000";
  dynamic.cluster_default["log.segment.bytes"] = "8192";
  dynamic.this_broker["log.retention.ms"] = "3000";
  TopicInfo topic;
  topic.log_config = broker.log;
  topic.log_config.retention_ms = 3000;  // what the registry computes from the same overrides
  topic.log_config.segment_bytes = 8192;
  auto entries = topic_config_entries(topic, broker, dynamic);
  const auto& retention = find(entries, "retention.ms");
  EXPECT_EQ(retention.value, "3000");
  EXPECT_EQ(retention.source, ConfigSource::kDynamicBroker);
  ASSERT_EQ(retention.synonyms.size(), 4u);
  EXPECT_EQ(retention.synonyms[1].value, "2000");
  EXPECT_EQ(retention.synonyms[1].source, ConfigSource::kDynamicDefaultBroker);
  EXPECT_EQ(retention.synonyms[2].value, "1000");
  EXPECT_EQ(retention.synonyms[2].source, ConfigSource::kStaticBroker);
  EXPECT_EQ(retention.synonyms[3].name, "log.retention.hours");  // Kafka's default, in hours
  EXPECT_EQ(retention.synonyms[3].source, ConfigSource::kDefault);
  EXPECT_EQ(find(entries, "segment.bytes").source, ConfigSource::kDynamicDefaultBroker);

  auto broker_entries = broker_config_entries(broker, dynamic);
  EXPECT_EQ(find(broker_entries, "log.retention.ms").value, "3000");
  EXPECT_FALSE(find(broker_entries, "log.retention.ms").read_only);
  EXPECT_EQ(find(broker_entries, "log.segment.bytes").source, ConfigSource::kDynamicDefaultBroker);
  auto defaults = cluster_default_entries(dynamic);
  ASSERT_EQ(defaults.size(), 2u);
  EXPECT_EQ(find(defaults, "log.retention.ms").value, "2000");
}

const ConfigSynonym* synonym(const ConfigEntry& entry, const std::string& name,
                             ConfigSource source) {
  for (const auto& s : entry.synonyms) {
    if (s.name == name && s.source == source) return &s;
  }
  return nullptr;
}

TEST(ConfigEntriesTest, TimeKeysListTheirOtherUnitsWithTheirOwnSources) {
  BrokerConfig broker;
  broker.log.retention_ms = 86400000;
  broker.log_properties["log.retention.hours"] = "24";
  broker.log_properties["log.roll.ms"] = "3600000";
  broker.log.segment_ms = 3600000;
  DynamicOverrides dynamic;
  dynamic.cluster_default["log.retention.ms"] = "7200000";
  TopicInfo topic;
  topic.log_config = broker.log;
  topic.log_config.retention_ms = 7200000;
  auto entries = topic_config_entries(topic, broker, dynamic);

  const auto& retention = find(entries, "retention.ms");
  EXPECT_EQ(retention.value, "7200000");
  EXPECT_EQ(retention.source, ConfigSource::kDynamicDefaultBroker);
  ASSERT_EQ(retention.synonyms.size(), 3u);
  EXPECT_EQ(retention.synonyms[0].name, "log.retention.ms");
  ASSERT_NE(synonym(retention, "log.retention.hours", ConfigSource::kStaticBroker), nullptr);
  EXPECT_EQ(synonym(retention, "log.retention.hours", ConfigSource::kStaticBroker)->value, "24");
  EXPECT_EQ(synonym(retention, "log.retention.hours", ConfigSource::kDefault)->value, "168");
  EXPECT_EQ(synonym(retention, "log.retention.ms", ConfigSource::kStaticBroker), nullptr);

  const auto& segment = find(entries, "segment.ms");
  EXPECT_EQ(segment.source, ConfigSource::kStaticBroker);
  ASSERT_EQ(segment.synonyms.size(), 2u);
  EXPECT_EQ(segment.synonyms[0].name, "log.roll.ms");
  EXPECT_EQ(segment.synonyms[1].name, "log.roll.hours");
  EXPECT_EQ(segment.synonyms[1].value, "168");

  const auto& jitter = find(entries, "segment.jitter.ms");
  EXPECT_EQ(jitter.source, ConfigSource::kDefault);
  ASSERT_EQ(jitter.synonyms.size(), 1u);
  EXPECT_EQ(jitter.synonyms[0].name, "log.roll.jitter.hours");

  // A broker whose server.properties sets nothing: Kafka's defaults, in Kafka's units.
  const auto plain = topic_config_entries(TopicInfo{}, BrokerConfig{}, {});
  EXPECT_EQ(find(plain, "retention.ms").value, "604800000");
  EXPECT_EQ(find(plain, "retention.ms").source, ConfigSource::kDefault);
  ASSERT_EQ(find(plain, "retention.ms").synonyms.size(), 1u);
  EXPECT_EQ(find(plain, "compression.type").synonyms[0].name, "compression.type");
  EXPECT_EQ(find(plain, "file.delete.delay.ms").synonyms[0].name, "log.segment.delete.delay.ms");
  EXPECT_TRUE(find(plain, "remote.storage.enable").synonyms.empty());
}

TEST(ConfigEntriesTest, BrokerEntriesAreReadOnlyWithTheirSource) {
  BrokerConfig broker;
  broker.num_partitions = 3;
  broker.log.segment_bytes = 4096;
  auto entries = broker_config_entries(broker, {});
  EXPECT_EQ(find(entries, "num.partitions").value, "3");
  EXPECT_EQ(find(entries, "num.partitions").source, ConfigSource::kStaticBroker);
  EXPECT_TRUE(find(entries, "num.partitions").read_only);
  EXPECT_EQ(find(entries, "log.segment.bytes").value, "4096");
  EXPECT_EQ(find(entries, "delete.topic.enable").value, "true");
  EXPECT_EQ(find(entries, "delete.topic.enable").source, ConfigSource::kDefault);
  EXPECT_EQ(find(entries, "listeners").value, "PLAINTEXT://:9092");
  EXPECT_EQ(find(entries, "log.retention.ms").value, "604800000");
  EXPECT_EQ(find(entries, "compression.type").value, "producer");
  EXPECT_FALSE(find(entries, "compression.type").read_only);
  EXPECT_TRUE(find(entries, "log.message.format.version").read_only);
}

TEST(ConfigEntriesTest, ThrottleKeysExistAtOneLevelOnly) {
  BrokerConfig broker;
  DynamicOverrides dynamic;
  dynamic.this_broker["leader.replication.throttled.rate"] = "1000";
  TopicInfo topic;
  topic.configs["follower.replication.throttled.replicas"] = "0:2";
  topic.log_config.follower_throttled_replicas = "0:2";
  auto entries = topic_config_entries(topic, broker, dynamic);
  const auto& follower = find(entries, "follower.replication.throttled.replicas");
  EXPECT_EQ(follower.source, ConfigSource::kDynamicTopic);
  ASSERT_EQ(follower.synonyms.size(), 1u);  // no broker key supplies a default
  const auto& leader = find(entries, "leader.replication.throttled.replicas");
  EXPECT_EQ(leader.value, "");
  EXPECT_EQ(leader.source, ConfigSource::kDefault);
  EXPECT_TRUE(leader.synonyms.empty());

  auto broker_entries = broker_config_entries(broker, dynamic);
  const auto& rate = find(broker_entries, "leader.replication.throttled.rate");
  EXPECT_EQ(rate.value, "1000");
  EXPECT_EQ(rate.source, ConfigSource::kDynamicBroker);
  EXPECT_EQ(find(broker_entries, "follower.replication.throttled.rate").value,
            "9223372036854775807");
  for (const auto& list : {entries, broker_entries}) {
    for (const auto& e : list)
      EXPECT_FALSE(e.name.empty());
  }
}

TEST(ConfigEntriesTest, ThrottleKeysAreRefusedAtTheOtherLevel) {
  storage::LogConfig config;
  std::string error;
  EXPECT_FALSE(apply_log_configs(config, {{"leader.replication.throttled.rate", "5"}},
                                 KeyLevel::kTopic, error));
  EXPECT_EQ(error, "Unknown topic config name: leader.replication.throttled.rate");
  EXPECT_FALSE(apply_log_configs(config, {{"leader.replication.throttled.replicas", "*"}},
                                 KeyLevel::kBroker, error));
  EXPECT_TRUE(error.starts_with("Cannot update these configs dynamically"));
  EXPECT_FALSE(apply_log_configs(config, {{"", "5"}}, KeyLevel::kTopic, error));
  EXPECT_TRUE(apply_log_configs(
      config,
      {{"leader.replication.throttled.rate", "5"}, {"follower.replication.throttled.rate", "6"}},
      KeyLevel::kBroker, error));
  EXPECT_EQ(config.leader_throttled_rate, 5);
  EXPECT_EQ(config.follower_throttled_rate, 6);
}

TEST(ConfigEntriesTest, StoredDynamicAndCustomBrokerKeysAreDescribedWithTheirSources) {
  BrokerConfig broker;
  DynamicOverrides dynamic;
  dynamic.this_broker = {{"num.network.threads", "8"}, {"my.custom.key", "x"}};
  dynamic.cluster_default = {{"num.network.threads", "6"}, {"num.io.threads", "16"}};
  auto entries = broker_config_entries(broker, dynamic);

  const auto& network = find(entries, "num.network.threads");
  EXPECT_EQ(network.value, "8");
  EXPECT_EQ(network.source, ConfigSource::kDynamicBroker);
  EXPECT_FALSE(network.read_only);  // dynamic in Kafka
  ASSERT_EQ(network.synonyms.size(), 3u);
  EXPECT_EQ(network.synonyms[1].source, ConfigSource::kDynamicDefaultBroker);
  EXPECT_EQ(network.synonyms[2].value, "3");  // server.properties' (here Kafka's default)

  EXPECT_EQ(find(entries, "num.io.threads").source, ConfigSource::kDynamicDefaultBroker);
  EXPECT_EQ(find(entries, "my.custom.key").value, "x");
  EXPECT_TRUE(find(entries, "broker.id").read_only);
  EXPECT_EQ(std::count_if(entries.begin(), entries.end(),
                          [](const ConfigEntry& e) { return e.name == "num.network.threads"; }),
            1);
}

}  // namespace
}  // namespace gregor::broker
