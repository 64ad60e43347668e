// Config helpers shared by `topic` and `config`: KEY=VALUE arguments, and DescribeConfigs /
// AlterConfigs through librdkafka's Admin API.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"

namespace gregor::cli {

// "retention.ms=1000" -> {"retention.ms", "1000"}; CliError naming the argument otherwise.
std::vector<std::pair<std::string, std::string>> parse_assignments(
    const std::vector<std::string>& args);

struct ConfigInfo {
  std::string name;
  std::string value;  // empty when the broker sent null
  rd_kafka_ConfigSource_t source;
  bool read_only = false;
};

// The configs of one topic or broker (an empty broker name: the cluster-wide broker defaults);
// CliError for an unknown topic or a refused request.
std::vector<ConfigInfo> describe_configs(const Client& client, rd_kafka_ResourceType_t type,
                                         const std::string& name);

// Replaces the resource's dynamic configs with `configs` (AlterConfigs: what is left out goes
// back to its default).
void alter_configs(const Client& client, rd_kafka_ResourceType_t type, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& configs);

// Sets `changes` and removes `removed` among the resource's own overrides (those whose source is
// `own_source`), keeping the others: AlterConfigs replaces the whole set. `removed` keys the
// resource does not know are CliError "unknown config name".
void change_overrides(const Client& client, rd_kafka_ResourceType_t type, const std::string& name,
                      rd_kafka_ConfigSource_t own_source,
                      const std::vector<std::pair<std::string, std::string>>& changes,
                      const std::vector<std::string>& removed);

// "DYNAMIC_TOPIC_CONFIG" and so on.
std::string source_name(rd_kafka_ConfigSource_t source);

}  // namespace gregor::cli
