#include "cli/config_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cli/cli_error.h"
#include "cli/default_broker_configs.h"

namespace gregor::cli {
namespace {

std::string resource_text(rd_kafka_ResourceType_t type, const std::string& name) {
  return type == RD_KAFKA_RESOURCE_TOPIC ? "topic '" + name + "'" : "broker " + name;
}

// Resource-level errors, worded as what to fix.
void check_resource(const rd_kafka_ConfigResource_t* resource, rd_kafka_ResourceType_t type,
                    const std::string& name) {
  const auto err = rd_kafka_ConfigResource_error(resource);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    throw CliError(fmt::format("unknown topic '{}': see `gregor topic list`", name));
  }
  const char* message = rd_kafka_ConfigResource_error_string(resource);
  throw CliError(fmt::format("{}: {}", resource_text(type, name),
                             message && *message ? message : rd_kafka_err2str(err)));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_assignments(
    const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CliError("expected KEY=VALUE, got '" + arg + "'");
    }
    out.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
  }
  return out;
}

std::string source_name(rd_kafka_ConfigSource_t source) {
  return rd_kafka_ConfigSource_name(source);
}

std::vector<ConfigInfo> describe_configs(const Client& client, rd_kafka_ResourceType_t type,
                                         const std::string& name) {
  if (type == RD_KAFKA_RESOURCE_BROKER && name.empty()) {
    return describe_default_broker_configs(client);
  }
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
  Event event = client.admin([&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_DescribeConfigs(client.handle(), &resource, 1, options, queue);
  });
  rd_kafka_ConfigResource_destroy(resource);
  size_t count = 0;
  auto resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  if (count != 1) throw CliError("the broker did not describe " + resource_text(type, name));
  check_resource(resources[0], type, name);
  size_t entry_count = 0;
  auto entries = rd_kafka_ConfigResource_configs(resources[0], &entry_count);
  std::vector<ConfigInfo> out;
  for (size_t i = 0; i < entry_count; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    out.push_back({rd_kafka_ConfigEntry_name(entries[i]), value ? value : "",
                   rd_kafka_ConfigEntry_source(entries[i]),
                   rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0});
  }
  return out;
}

void alter_configs(const Client& client, rd_kafka_ResourceType_t type, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& configs) {
  if (type == RD_KAFKA_RESOURCE_BROKER && name.empty()) {
    return alter_default_broker_configs(client, configs);
  }
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
  for (const auto& [key, value] : configs) {
    rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  }
  Event event = client.admin([&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_AlterConfigs(client.handle(), &resource, 1, options, queue);
  });
  rd_kafka_ConfigResource_destroy(resource);
  size_t count = 0;
  auto resources = rd_kafka_AlterConfigs_result_resources(
      rd_kafka_event_AlterConfigs_result(event.get()), &count);
  if (count != 1) throw CliError("the broker did not answer for " + resource_text(type, name));
  check_resource(resources[0], type, name);
}

void change_overrides(const Client& client, rd_kafka_ResourceType_t type, const std::string& name,
                      rd_kafka_ConfigSource_t own_source,
                      const std::vector<std::pair<std::string, std::string>>& changes,
                      const std::vector<std::string>& removed) {
  const auto all = describe_configs(client, type, name);
  std::map<std::string, std::string> configs;
  for (const auto& c : all) {
    if (c.source == own_source) configs[c.name] = c.value;
  }
  for (const auto& [key, value] : changes)
    configs[key] = value;
  for (const auto& key : removed) {
    const bool known =
        std::any_of(all.begin(), all.end(), [&key](const ConfigInfo& c) { return c.name == key; });
    if (!known) throw CliError(fmt::format("unknown config name '{}'", key));
    configs.erase(key);
  }
  alter_configs(client, type, name, {configs.begin(), configs.end()});
}

}  // namespace gregor::cli
