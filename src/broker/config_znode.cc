#include "broker/config_znode.h"

#include <nlohmann/json.hpp>

namespace gregor::broker {

std::string config_znode_json(const TopicConfigs& configs) {
  return nlohmann::json{{"version", 1}, {"config", configs}}.dump();
}

TopicConfigs parse_config_znode(const std::string& data) {
  TopicConfigs out;
  if (data.empty()) return out;
  auto doc = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["config"].is_object()) return out;
  for (const auto& [key, value] : doc["config"].items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace gregor::broker
