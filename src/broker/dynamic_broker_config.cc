#include "broker/dynamic_broker_config.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "broker/config_znode.h"
#include "broker/dynamic_broker_keys.h"

namespace gregor::broker {

DynamicBrokerConfig::DynamicBrokerConfig(cluster::MetadataStore& store, int32_t broker_id,
                                         storage::LogConfig static_defaults)
    : store_(store), broker_id_(broker_id), static_defaults_(std::move(static_defaults)) {}

std::string DynamicBrokerConfig::path(DynamicScope scope) const {
  return scope == DynamicScope::kClusterDefault ? "/config/brokers/<default>"
                                                : "/config/brokers/" + std::to_string(broker_id_);
}

// Only the log defaults act on the logs; the other stored keys are kept for DescribeConfigs.
bool DynamicBrokerConfig::apply(storage::LogConfig& config, const TopicConfigs& overrides,
                                std::string& error) {
  TopicConfigs log_defaults;
  for (const auto& [name, value] : overrides) {
    if (classify_broker_key(name) == BrokerKeyClass::kLogDefault) log_defaults[name] = value;
  }
  return apply_log_configs(config, log_defaults, KeyLevel::kBroker, error);
}

// A stored key Kafka would no longer accept for `scope` is dropped with a warning, as Kafka
// ignores it, and the rest kept.
TopicConfigs DynamicBrokerConfig::acceptable(DynamicScope scope, const TopicConfigs& stored) const {
  TopicConfigs kept;
  const bool per_broker = scope == DynamicScope::kThisBroker;
  for (const auto& [name, value] : stored) {
    TopicConfigs one{{name, value}};
    if (auto refused = check_dynamic_broker_keys(one, per_broker)) {
      spdlog::warn("ignoring the dynamic broker config {} in {}: {}", name, path(scope), *refused);
      continue;
    }
    kept.emplace(name, value);
  }
  return kept;
}

void DynamicBrokerConfig::load() {
  std::lock_guard lock(mutex_);
  for (DynamicScope scope : {DynamicScope::kClusterDefault, DynamicScope::kThisBroker}) {
    std::string data;
    if (store_.get(path(scope), data) != cluster::StoreError::kOk) continue;
    overrides_[scope] = acceptable(scope, parse_config_znode(data));
  }
}

std::optional<DynamicScope> DynamicBrokerConfig::scope_of(const std::string& resource_name,
                                                          ConfigChange& error) const {
  if (resource_name.empty()) return DynamicScope::kClusterDefault;
  if (resource_name == std::to_string(broker_id_)) return DynamicScope::kThisBroker;
  const bool numeric = std::all_of(resource_name.begin(), resource_name.end(),
                                   [](unsigned char c) { return std::isdigit(c) || c == '-'; });
  error = {ErrorCode::kInvalidRequest,
           numeric ? "Unexpected broker id, expected " + std::to_string(broker_id_) +
                         ", but received " + resource_name
                   : "Node id must be an integer, but it is: " + resource_name};
  return std::nullopt;
}

TopicConfigs DynamicBrokerConfig::overrides(DynamicScope scope) const {
  std::lock_guard lock(mutex_);
  auto it = overrides_.find(scope);
  return it == overrides_.end() ? TopicConfigs{} : it->second;
}

ConfigChange DynamicBrokerConfig::replace(DynamicScope scope, const TopicConfigs& configs,
                                          bool validate_only) {
  // Kafka (3.2 and later) answers a refused broker config with INVALID_REQUEST and the bare
  // reason, where a refused topic config is INVALID_CONFIG.
  if (auto refused = check_dynamic_broker_keys(configs, scope == DynamicScope::kThisBroker))
    return {ErrorCode::kInvalidRequest, *refused};
  if (validate_only) return {};
  std::lock_guard lock(mutex_);
  const std::string data = config_znode_json(configs);
  auto rc = store_.set(path(scope), data);
  if (rc == cluster::StoreError::kNoNode) rc = store_.create_recursive(path(scope), data);
  if (rc != cluster::StoreError::kOk) {
    return {ErrorCode::kUnknownServerError,
            "metadata store: " + std::string(cluster::store_error_name(rc))};
  }
  overrides_[scope] = configs;
  return {};
}

storage::LogConfig DynamicBrokerConfig::log_defaults() const {
  std::lock_guard lock(mutex_);
  storage::LogConfig config = static_defaults_;
  std::string ignored;  // validated when stored
  for (DynamicScope scope : {DynamicScope::kClusterDefault, DynamicScope::kThisBroker}) {
    if (auto it = overrides_.find(scope); it != overrides_.end())
      apply(config, it->second, ignored);
  }
  return config;
}

}  // namespace gregor::broker
