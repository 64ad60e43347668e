// The cluster-wide broker defaults (the BROKER resource with an empty name) over raw requests:
// librdkafka 2.0 cannot address that resource (it refuses an empty name).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/config_util.h"

namespace gregor::cli {

// DescribeConfigs of the defaults: the keys set for every broker, with their values.
std::vector<ConfigInfo> describe_default_broker_configs(const Client& client);
// AlterConfigs of the defaults: `configs` becomes the whole set.
void alter_default_broker_configs(const Client& client,
                                  const std::vector<std::pair<std::string, std::string>>& configs);

}  // namespace gregor::cli
