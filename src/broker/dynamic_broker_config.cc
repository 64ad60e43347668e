#include "broker/dynamic_broker_config.h"

#include <spdlog/spdlog.h>

#include "broker/config_znode.h"

namespace gregor::broker {
namespace {

const LogConfigKey* find_broker_key(std::string_view name) {
  for (const auto& key : log_config_keys()) {
    if (key.broker_key == name) return &key;
  }
  return nullptr;
}

}  // namespace

DynamicBrokerConfig::DynamicBrokerConfig(cluster::MetadataStore& store, int32_t broker_id,
                                         storage::LogConfig static_defaults)
    : store_(store), broker_id_(broker_id), static_defaults_(std::move(static_defaults)) {}

std::string DynamicBrokerConfig::path(DynamicScope scope) const {
  return scope == DynamicScope::kClusterDefault ? "/config/brokers/<default>"
                                                : "/config/brokers/" + std::to_string(broker_id_);
}

bool DynamicBrokerConfig::apply(storage::LogConfig& config, const TopicConfigs& overrides,
                                std::string& error) {
  for (const auto& [name, value] : overrides) {
    const LogConfigKey* key = find_broker_key(name);
    if (key == nullptr) {
      error = "Cannot update these configs dynamically: " + name +
              " (set it in server.properties; the log defaults log.*, message.max.bytes are "
              "dynamic)";
      return false;
    }
    std::string reason;
    if (!key->apply(config, value, reason)) {
      error = "Invalid value " + value + " for configuration " + name + ": " + reason;
      return false;
    }
  }
  return true;
}

void DynamicBrokerConfig::load() {
  std::lock_guard lock(mutex_);
  for (DynamicScope scope : {DynamicScope::kClusterDefault, DynamicScope::kThisBroker}) {
    std::string data;
    if (store_.get(path(scope), data) != cluster::StoreError::kOk) continue;
    TopicConfigs configs = parse_config_znode(data);
    storage::LogConfig check = static_defaults_;
    std::string error;
    if (!apply(check, configs, error)) {
      spdlog::warn("ignoring the dynamic broker configs in {}: {}", path(scope), error);
      continue;
    }
    overrides_[scope] = std::move(configs);
  }
}

std::optional<DynamicScope> DynamicBrokerConfig::scope_of(const std::string& resource_name,
                                                          ConfigChange& error) const {
  if (resource_name.empty()) return DynamicScope::kClusterDefault;
  if (resource_name == std::to_string(broker_id_)) return DynamicScope::kThisBroker;
  error = {ErrorCode::kInvalidRequest, "Unexpected broker id, expected " +
                                           std::to_string(broker_id_) +
                                           " or empty string, but received " + resource_name};
  return std::nullopt;
}

TopicConfigs DynamicBrokerConfig::overrides(DynamicScope scope) const {
  std::lock_guard lock(mutex_);
  auto it = overrides_.find(scope);
  return it == overrides_.end() ? TopicConfigs{} : it->second;
}

ConfigChange DynamicBrokerConfig::replace(DynamicScope scope, const TopicConfigs& configs,
                                          bool validate_only) {
  storage::LogConfig check = static_defaults_;
  std::string error;
  // Kafka answers a refused broker config with INVALID_REQUEST (topic configs: INVALID_CONFIG).
  if (!apply(check, configs, error)) {
    const std::string resource =
        scope == DynamicScope::kClusterDefault ? "" : std::to_string(broker_id_);
    return {ErrorCode::kInvalidRequest,
            "Invalid config value for resource BROKER '" + resource + "': " + error};
  }
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
