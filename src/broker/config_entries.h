// The configuration of a broker or a topic as DescribeConfigs reports it: each key with its value
// and where that value comes from (Kafka's ConfigSource). Kept apart from the handler so that the
// rules (which value wins, which synonyms a key has) can be tested without a network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "broker/dynamic_broker_config.h"
#include "broker/topic_registry.h"

namespace gregor::broker {

// Kafka's DescribeConfigsResponse ConfigSource values.
enum class ConfigSource : int8_t {
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

struct ConfigSynonym {
  std::string name;
  std::string value;
  ConfigSource source;
};

struct ConfigEntry {
  std::string name;
  std::string value;
  ConfigSource source = ConfigSource::kDefault;
  bool read_only = false;
  // Most specific first: the topic override, then the broker key that supplies the default.
  std::vector<ConfigSynonym> synonyms;
};

// Every topic-level key of `topic`. Overrides are DYNAMIC_TOPIC_CONFIG; otherwise the value of
// the broker key that supplies the default: a dynamic one of this broker, else of the cluster
// default, else STATIC_BROKER_CONFIG when server.properties changed it from Kafka's default,
// else DEFAULT_CONFIG. Synonyms list every level that has a value, most specific first.
std::vector<ConfigEntry> topic_config_entries(const TopicInfo& topic, const BrokerConfig& broker,
                                              const DynamicOverrides& dynamic);

// The broker's own configuration. The log keys are dynamic (read_only false) and show their
// dynamic values; the others are read-only.
std::vector<ConfigEntry> broker_config_entries(const BrokerConfig& broker,
                                               const DynamicOverrides& dynamic);
// The cluster-default resource (empty broker name): only the keys it overrides, as Kafka shows.
std::vector<ConfigEntry> cluster_default_entries(const DynamicOverrides& dynamic);

}  // namespace gregor::broker
