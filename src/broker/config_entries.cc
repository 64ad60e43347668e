#include "broker/config_entries.h"

#include <algorithm>
#include <functional>
#include <set>

#include "broker/dynamic_broker_keys.h"

namespace gregor::broker {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

// One broker key: how to print it from a BrokerConfig.
struct BrokerKey {
  const char* name;
  std::function<std::string(const BrokerConfig&)> render;
};

template <auto Member>
std::string number(const BrokerConfig& c) {
  return std::to_string(c.*Member);
}

template <auto Member>
std::string boolean(const BrokerConfig& c) {
  return c.*Member ? "true" : "false";
}

const std::vector<BrokerKey>& broker_keys() {
  static const std::vector<BrokerKey> keys = {
      {"broker.id", &number<&BrokerConfig::broker_id>},
      {"listeners", [](const BrokerConfig& c) { return listeners_text(c.listeners); }},
      {"advertised.listeners",
       [](const BrokerConfig& c) { return listeners_text(c.advertised_listeners); }},
      {"log.dirs", [](const BrokerConfig& c) { return join(c.log_dirs); }},
      {"zookeeper.connect", [](const BrokerConfig& c) { return c.zookeeper_connect; }},
      {"num.partitions", &number<&BrokerConfig::num_partitions>},
      {"default.replication.factor", &number<&BrokerConfig::default_replication_factor>},
      {"auto.create.topics.enable", &boolean<&BrokerConfig::auto_create_topics_enable>},
      {"delete.topic.enable", &boolean<&BrokerConfig::delete_topic_enable>},
      {"num.network.threads", &number<&BrokerConfig::num_network_threads>},
      {"socket.request.max.bytes", &number<&BrokerConfig::socket_request_max_bytes>},
      {"socket.send.buffer.bytes", &number<&BrokerConfig::socket_send_buffer_bytes>},
      {"socket.receive.buffer.bytes", &number<&BrokerConfig::socket_receive_buffer_bytes>},
      {"connections.max.idle.ms", &number<&BrokerConfig::connections_max_idle_ms>},
      {"log.flush.offset.checkpoint.interval.ms",
       &number<&BrokerConfig::log_flush_offset_checkpoint_interval_ms>},
      {"log.flush.scheduler.interval.ms", &number<&BrokerConfig::log_flush_scheduler_interval_ms>},
  };
  return keys;
}

// Without the original properties, "set in server.properties" is approximated by "differs from
// Kafka's default"; a key set to its default value reads as DEFAULT_CONFIG.
ConfigSource broker_source(const std::string& value, const std::string& default_value) {
  return value == default_value ? ConfigSource::kDefault : ConfigSource::kStaticBroker;
}

// A broker key that Kafka also takes in another unit (log.retention.hours for log.retention.ms),
// with Kafka's default for it; an empty default means Kafka has none (the key is unset).
struct SynonymKey {
  std::string_view name;
  std::string kafka_default;
};

// The broker keys that set `key`'s value, the table's own key first, finest unit first. Kafka
// leaves the millisecond keys unset and defaults the hour keys.
std::vector<SynonymKey> synonym_keys(const LogConfigKey& key) {
  static const storage::LogConfig kafka_defaults;
  const std::string_view name = key.broker_key;
  if (name == "log.retention.ms")
    return {{name, ""}, {"log.retention.minutes", ""}, {"log.retention.hours", "168"}};
  if (name == "log.roll.ms") return {{name, ""}, {"log.roll.hours", "168"}};
  if (name == "log.roll.jitter.ms") return {{name, ""}, {"log.roll.jitter.hours", "0"}};
  return {{name, key.render(kafka_defaults)}};
}

// Whether server.properties set `key`'s value. A config built without properties (tests) counts a
// value that differs from Kafka's default as set, on the table's own key.
std::optional<std::string> static_value(const LogConfigKey& key, std::string_view synonym,
                                        const BrokerConfig& broker,
                                        const std::vector<SynonymKey>& synonyms) {
  static const storage::LogConfig kafka_defaults;
  if (auto it = broker.log_properties.find(synonym); it != broker.log_properties.end())
    return it->second;
  for (const auto& other : synonyms) {
    if (broker.log_properties.contains(other.name)) return std::nullopt;
  }
  const std::string value = key.render(broker.log);
  if (synonym != key.broker_key || value == key.render(kafka_defaults)) return std::nullopt;
  return value;
}

// Every broker-level value of `key`, as Kafka lists them: by source (this broker's dynamic value,
// the cluster default, server.properties, Kafka's default), and within a source by synonym.
std::vector<ConfigSynonym> broker_synonyms(const LogConfigKey& key, const BrokerConfig& broker,
                                           const DynamicOverrides& dynamic) {
  std::vector<ConfigSynonym> out;
  if (key.broker_key.empty()) return out;  // a topic-only key: no broker default
  const auto synonyms = synonym_keys(key);
  auto add_dynamic = [&](const TopicConfigs& values, ConfigSource source) {
    for (const auto& synonym : synonyms) {
      if (auto it = values.find(synonym.name); it != values.end())
        out.push_back({std::string(synonym.name), it->second, source});
    }
  };
  add_dynamic(dynamic.this_broker, ConfigSource::kDynamicBroker);
  add_dynamic(dynamic.cluster_default, ConfigSource::kDynamicDefaultBroker);
  for (const auto& synonym : synonyms) {
    if (auto value = static_value(key, synonym.name, broker, synonyms))
      out.push_back({std::string(synonym.name), *value, ConfigSource::kStaticBroker});
  }
  for (const auto& synonym : synonyms) {
    if (!synonym.kafka_default.empty())
      out.push_back({std::string(synonym.name), synonym.kafka_default, ConfigSource::kDefault});
  }
  return out;
}

// The value of a broker key in effect on this broker: its dynamic value, else server.properties'.
std::string broker_value(const LogConfigKey& key, const BrokerConfig& broker,
                         const DynamicOverrides& dynamic) {
  const std::string name(key.broker_key);
  if (auto it = dynamic.this_broker.find(name); it != dynamic.this_broker.end()) return it->second;
  if (auto it = dynamic.cluster_default.find(name); it != dynamic.cluster_default.end())
    return it->second;
  return key.render(broker.log);
}

}  // namespace

std::vector<ConfigEntry> topic_config_entries(const TopicInfo& topic, const BrokerConfig& broker,
                                              const DynamicOverrides& dynamic) {
  std::vector<ConfigEntry> entries;
  for (const auto& key : log_config_keys()) {
    if (key.topic_key.empty()) continue;
    ConfigEntry entry;
    entry.name = std::string(key.topic_key);
    entry.value = key.render(topic.log_config);
    const auto from_broker = broker_synonyms(key, broker, dynamic);
    if (topic.configs.contains(key.topic_key)) {
      entry.source = ConfigSource::kDynamicTopic;
      entry.synonyms.push_back({entry.name, entry.value, ConfigSource::kDynamicTopic});
    } else {
      entry.source = from_broker.empty() ? ConfigSource::kDefault : from_broker.front().source;
    }
    entry.synonyms.insert(entry.synonyms.end(), from_broker.begin(), from_broker.end());
    entries.push_back(std::move(entry));
  }
  return entries;
}

namespace {

// The dynamic values of a broker key that is not a log default, this broker's first.
std::vector<ConfigSynonym> dynamic_synonyms(const std::string& name,
                                            const DynamicOverrides& dynamic) {
  std::vector<ConfigSynonym> synonyms;
  if (auto it = dynamic.this_broker.find(name); it != dynamic.this_broker.end())
    synonyms.push_back({name, it->second, ConfigSource::kDynamicBroker});
  if (auto it = dynamic.cluster_default.find(name); it != dynamic.cluster_default.end())
    synonyms.push_back({name, it->second, ConfigSource::kDynamicDefaultBroker});
  return synonyms;
}

// A key Kafka changes dynamically is not read-only, even where Gregor only stores its value.
bool read_only_in_kafka(const std::string& name) {
  const auto key_class = classify_broker_key(name);
  return key_class == BrokerKeyClass::kStatic;
}

// A static key of Gregor's, or its stored dynamic value when it has one (Kafka describes the
// stored value; docs/configuration.md says which of them Gregor acts on).
ConfigEntry static_key_entry(const BrokerKey& key, const BrokerConfig& broker,
                             const DynamicOverrides& dynamic) {
  const BrokerConfig kafka_defaults;
  ConfigEntry entry{key.name, key.render(broker), ConfigSource::kDefault, true, {}};
  entry.source = broker_source(entry.value, key.render(kafka_defaults));
  entry.read_only = read_only_in_kafka(entry.name);
  auto synonyms = dynamic_synonyms(entry.name, dynamic);
  synonyms.push_back({entry.name, entry.value, entry.source});
  entry.value = synonyms.front().value;
  entry.source = synonyms.front().source;
  entry.synonyms = std::move(synonyms);
  return entry;
}

// Stored keys with no entry of their own: other dynamic keys of Kafka's, and custom keys.
void add_stored_only_entries(std::vector<ConfigEntry>& entries, const DynamicOverrides& dynamic) {
  std::set<std::string> names;
  for (const auto* stored : {&dynamic.this_broker, &dynamic.cluster_default}) {
    for (const auto& [name, value] : *stored) {
      if (classify_broker_key(name) != BrokerKeyClass::kLogDefault) names.insert(name);
    }
  }
  for (const auto& name : names) {
    const bool described =
        std::any_of(entries.begin(), entries.end(),
                    [&](const ConfigEntry& entry) { return entry.name == name; });
    if (described) continue;
    auto synonyms = dynamic_synonyms(name, dynamic);
    entries.push_back({name, synonyms.front().value, synonyms.front().source, false, synonyms});
  }
}

}  // namespace

std::vector<ConfigEntry> broker_config_entries(const BrokerConfig& broker,
                                               const DynamicOverrides& dynamic) {
  std::vector<ConfigEntry> entries;
  for (const auto& key : broker_keys())
    entries.push_back(static_key_entry(key, broker, dynamic));
  for (const auto& key : log_config_keys()) {
    if (key.broker_key.empty()) continue;
    auto synonyms = broker_synonyms(key, broker, dynamic);
    const ConfigSource source = synonyms.empty() ? ConfigSource::kDefault : synonyms.front().source;
    ConfigEntry entry{std::string(key.broker_key), broker_value(key, broker, dynamic), source,
                      !key.broker_dynamic, std::move(synonyms)};
    entries.push_back(std::move(entry));
  }
  add_stored_only_entries(entries, dynamic);
  return entries;
}

std::vector<ConfigEntry> cluster_default_entries(const DynamicOverrides& dynamic) {
  std::vector<ConfigEntry> entries;
  for (const auto& [name, value] : dynamic.cluster_default) {
    entries.push_back({name,
                       value,
                       ConfigSource::kDynamicDefaultBroker,
                       false,
                       {{name, value, ConfigSource::kDynamicDefaultBroker}}});
  }
  return entries;
}

}  // namespace gregor::broker
