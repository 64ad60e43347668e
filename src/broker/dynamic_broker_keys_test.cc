#include "broker/dynamic_broker_keys.h"

#include <gtest/gtest.h>

namespace gregor::broker {
namespace {

std::string refusal_of(const TopicConfigs& configs, bool per_broker) {
  return check_dynamic_broker_keys(configs, per_broker).value_or("");
}

TEST(DynamicBrokerKeysTest, ClassifiesKeysAsKafkaDoes) {
  EXPECT_EQ(classify_broker_key("log.retention.ms"), BrokerKeyClass::kLogDefault);
  EXPECT_EQ(classify_broker_key("message.max.bytes"), BrokerKeyClass::kLogDefault);
  EXPECT_EQ(classify_broker_key("leader.replication.throttled.rate"), BrokerKeyClass::kLogDefault);
  EXPECT_EQ(classify_broker_key("num.io.threads"), BrokerKeyClass::kDynamic);
  EXPECT_EQ(classify_broker_key("num.network.threads"), BrokerKeyClass::kDynamic);
  EXPECT_EQ(classify_broker_key("log.cleaner.threads"), BrokerKeyClass::kDynamic);
  EXPECT_EQ(classify_broker_key("listeners"), BrokerKeyClass::kPerBrokerOnly);
  EXPECT_EQ(classify_broker_key("listener.name.internal.ssl.keystore.location"),
            BrokerKeyClass::kPerBrokerOnly);
  EXPECT_EQ(classify_broker_key("listener.name.internal.max.connections"),
            BrokerKeyClass::kDynamic);
  // The hour and minute synonyms and the message format are not dynamic in Kafka.
  for (const char* name : {"log.retention.hours", "log.roll.hours", "log.message.format.version",
                           "num.partitions", "broker.id", "log.dirs"}) {
    EXPECT_EQ(classify_broker_key(name), BrokerKeyClass::kStatic) << name;
  }
  EXPECT_EQ(classify_broker_key("my.custom.key"), BrokerKeyClass::kCustom);
  EXPECT_EQ(classify_broker_key("leader.replication.throttled.replicas"), BrokerKeyClass::kCustom);
}

TEST(DynamicBrokerKeysTest, AcceptsDynamicAndCustomKeysAtBothLevels) {
  const TopicConfigs configs{{"num.io.threads", "16"},
                             {"log.retention.ms", "1000"},
                             {"log.cleaner.io.max.bytes.per.second", "1e6"},
                             {"my.custom.key", "anything"}};
  EXPECT_EQ(check_dynamic_broker_keys(configs, true), std::nullopt);
  EXPECT_EQ(check_dynamic_broker_keys(configs, false), std::nullopt);
}

TEST(DynamicBrokerKeysTest, ListsEveryNonDynamicKeyInOneRefusal) {
  const TopicConfigs configs{{"num.partitions", "3"},
                             {"log.retention.ms", "1000"},
                             {"broker.id", "7"},
                             {"log.retention.hours", "1"}};
  EXPECT_EQ(refusal_of(configs, true),
            "Cannot update these configs dynamically: "
            "Set(broker.id, log.retention.hours, num.partitions)");
}

TEST(DynamicBrokerKeysTest, ChecksInKafkasOrder) {
  // A static key is reported before a bad value and before a per-broker key at the default.
  const TopicConfigs all{
      {"num.partitions", "3"}, {"log.retention.ms", "soon"}, {"listeners", "PLAINTEXT://:9092"}};
  EXPECT_TRUE(refusal_of(all, false).starts_with("Cannot update these configs dynamically"));
  const TopicConfigs bad_and_per_broker{{"log.retention.ms", "soon"},
                                        {"listeners", "PLAINTEXT://:9092"}};
  EXPECT_TRUE(refusal_of(bad_and_per_broker, false)
                  .starts_with("Invalid value soon for configuration log.retention.ms"));
  EXPECT_EQ(refusal_of({{"ssl.keystore.location", "/k"}}, true),
            "These security configs can be dynamically updated only per-listener using the "
            "listener prefix: Set(ssl.keystore.location)");
}

TEST(DynamicBrokerKeysTest, RefusesPerBrokerKeysAtTheClusterDefaultOnly) {
  const TopicConfigs configs{{"listeners", "PLAINTEXT://:9092"},
                             {"advertised.listeners", "PLAINTEXT://h:9092"},
                             {"num.io.threads", "8"}};
  EXPECT_EQ(check_dynamic_broker_keys(configs, true), std::nullopt);
  EXPECT_EQ(refusal_of(configs, false),
            "Cannot update these configs at default cluster level, broker id must be specified: "
            "Set(advertised.listeners, listeners)");
}

TEST(DynamicBrokerKeysTest, ChecksValuesOfOtherDynamicKeysByType) {
  EXPECT_EQ(refusal_of({{"num.io.threads", "many"}}, true),
            "Invalid value many for configuration num.io.threads: Not a number of type INT");
  EXPECT_EQ(refusal_of({{"num.io.threads", "0"}}, true),
            "Invalid value 0 for configuration num.io.threads: Value must be at least 1");
  EXPECT_EQ(refusal_of({{"log.cleaner.dedupe.buffer.size", "x"}}, true),
            "Invalid value x for configuration log.cleaner.dedupe.buffer.size: Not a number of "
            "type LONG");
  EXPECT_EQ(refusal_of({{"transaction.partition.verification.enable", "yes"}}, true),
            "Invalid value yes for configuration transaction.partition.verification.enable: "
            "Expected value to be either true or false");
}

TEST(DynamicBrokerKeysTest, PrintsKeysAsAScalaSet) {
  EXPECT_EQ(scala_set_text({"b", "a"}), "Set(a, b)");
  EXPECT_EQ(scala_set_text({"e", "d", "c", "b", "a"}), "HashSet(a, b, c, d, e)");
}

}  // namespace
}  // namespace gregor::broker
