#include "broker/config_entries.h"

#include <functional>

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

// The broker key's levels that have a value, most specific first (ending with the static one).
std::vector<ConfigSynonym> broker_synonyms(const LogConfigKey& key, const BrokerConfig& broker,
                                           const DynamicOverrides& dynamic) {
  static const storage::LogConfig kafka_defaults;
  const std::string name(key.broker_key);
  std::vector<ConfigSynonym> out;
  if (name.empty()) return out;  // a topic-only key: no broker default
  if (auto it = dynamic.this_broker.find(name); it != dynamic.this_broker.end())
    out.push_back({name, it->second, ConfigSource::kDynamicBroker});
  if (auto it = dynamic.cluster_default.find(name); it != dynamic.cluster_default.end())
    out.push_back({name, it->second, ConfigSource::kDynamicDefaultBroker});
  const std::string value = key.render(broker.log);
  out.push_back({name, value, broker_source(value, key.render(kafka_defaults))});
  return out;
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

std::vector<ConfigEntry> broker_config_entries(const BrokerConfig& broker,
                                               const DynamicOverrides& dynamic) {
  const BrokerConfig kafka_defaults;
  std::vector<ConfigEntry> entries;
  for (const auto& key : broker_keys()) {
    ConfigEntry entry{key.name, key.render(broker), ConfigSource::kDefault, true, {}};
    entry.source = broker_source(entry.value, key.render(kafka_defaults));
    entry.synonyms.push_back({entry.name, entry.value, entry.source});
    entries.push_back(std::move(entry));
  }
  for (const auto& key : log_config_keys()) {
    if (key.broker_key.empty()) continue;
    auto synonyms = broker_synonyms(key, broker, dynamic);
    ConfigEntry entry{std::string(key.broker_key), synonyms.front().value, synonyms.front().source,
                      false, std::move(synonyms)};
    entries.push_back(std::move(entry));
  }
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
