// Dynamic broker configs, as Kafka has them: AlterConfigs or IncrementalAlterConfigs on a BROKER
// resource, for this broker (resource name = its id, stored in /config/brokers/<id>) or for every
// broker (empty name, stored in /config/brokers/<default>). Which keys are accepted, at which
// level, is dynamic_broker_keys.h. The log defaults (log.retention.ms, message.max.bytes, ...:
// the broker keys of log_config_keys()) apply to the running logs; the other dynamic keys and
// custom keys are stored and described only (docs/configuration.md). Precedence, lowest first:
// Kafka's default, server.properties, the cluster default, this broker's own.
//
// Thread-safe. The owner (Broker) pushes the new log defaults to the topics after a change.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "broker/log_config_keys.h"
#include "cluster/metadata_store.h"
#include "common/error_code.h"
#include "storage/log_config.h"

namespace gregor::broker {

enum class DynamicScope { kClusterDefault, kThisBroker };

// The overrides of both scopes, for DescribeConfigs.
struct DynamicOverrides {
  TopicConfigs this_broker;      // DYNAMIC_BROKER_CONFIG
  TopicConfigs cluster_default;  // DYNAMIC_DEFAULT_BROKER_CONFIG
};

struct ConfigChange {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // for the response's error_message
};

class DynamicBrokerConfig {
 public:
  DynamicBrokerConfig(cluster::MetadataStore& store, int32_t broker_id,
                      storage::LogConfig static_defaults);

  // Reads both znodes; an override that no longer parses is dropped with a warning.
  void load();

  // The scope a BROKER resource name denotes: "" the cluster default, this broker's id itself;
  // any other name is INVALID_REQUEST (another broker's configs are changed through it), in
  // Kafka's words.
  std::optional<DynamicScope> scope_of(const std::string& resource_name, ConfigChange& error) const;

  // The overrides (broker key -> value) of a scope, and of both.
  TopicConfigs overrides(DynamicScope scope) const;
  DynamicOverrides all_overrides() const {
    return {overrides(DynamicScope::kThisBroker), overrides(DynamicScope::kClusterDefault)};
  }
  // Validates `configs` as the whole new set of overrides of `scope` and, unless validate_only,
  // stores it. INVALID_REQUEST (as Kafka) naming every static key, or the bad value, or every
  // per-broker key given to the cluster default.
  ConfigChange replace(DynamicScope scope, const TopicConfigs& configs, bool validate_only);

  // server.properties' log defaults with the dynamic overrides applied.
  storage::LogConfig log_defaults() const;
  const storage::LogConfig& static_defaults() const { return static_defaults_; }

 private:
  std::string path(DynamicScope scope) const;
  static bool apply(storage::LogConfig& config, const TopicConfigs& overrides, std::string& error);
  TopicConfigs acceptable(DynamicScope scope, const TopicConfigs& stored) const;

  cluster::MetadataStore& store_;
  const int32_t broker_id_;
  const storage::LogConfig static_defaults_;
  mutable std::mutex mutex_;
  std::map<DynamicScope, TopicConfigs> overrides_;
};

}  // namespace gregor::broker
