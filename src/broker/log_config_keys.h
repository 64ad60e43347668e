// The topic-level log configuration keys (segment.bytes, retention.ms, ...), each with the
// broker-level key that supplies its default (log.segment.bytes, log.retention.ms, ...).
// One table serves server.properties, CreateTopics `configs` and, later, Describe/AlterConfigs.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "storage/log_config.h"

namespace gregor::broker {

// A key that exists at one level only (the throttling keys) has an empty name at the other.
struct LogConfigKey {
  std::string_view topic_key;
  std::string_view broker_key;
  // Parses `value` into `config`; false with a reason in `error` when the value is invalid.
  bool (*apply)(storage::LogConfig& config, std::string_view value, std::string& error);
  // The value `config` holds, as Kafka prints it (for DescribeConfigs and CreateTopics).
  std::string (*render)(const storage::LogConfig& config);
  // Whether the broker key can change on a running broker (log.message.format.version cannot,
  // as in Kafka: it is read from server.properties only).
  bool broker_dynamic = true;
};

std::span<const LogConfigKey> log_config_keys();

// Topic configs as given to CreateTopics: name -> value.
using TopicConfigs = std::map<std::string, std::string, std::less<>>;

// Applies topic overrides on top of `config`. On an unknown key or a bad value returns false and
// sets `error` to a message naming the key ("Invalid value abc for configuration retention.ms:
// not an integer").
bool apply_topic_configs(storage::LogConfig& config, const TopicConfigs& overrides,
                         std::string& error);

// The same with the keys named at either level: topic keys (retention.ms) or broker keys
// (log.retention.ms, for dynamic broker configs; one that is not a dynamic log default is
// "Cannot update these configs dynamically": dynamic_broker_keys.h sorts the other broker keys
// before they get here).
enum class KeyLevel { kTopic, kBroker };
// The key's name at `level`; empty when it has none there.
std::string_view key_name(const LogConfigKey& key, KeyLevel level);
bool apply_log_configs(storage::LogConfig& config, const TopicConfigs& overrides, KeyLevel level,
                       std::string& error);

}  // namespace gregor::broker
