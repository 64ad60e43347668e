// The data of Kafka's config znodes, /config/topics/<topic> and /config/brokers/<id or
// <default>>: {"version":1,"config":{"retention.ms":"1000",...}}.
#pragma once

#include <string>

#include "broker/log_config_keys.h"

namespace gregor::broker {

std::string config_znode_json(const TopicConfigs& configs);
// The string-valued entries of "config"; empty for data that is not such a document.
TopicConfigs parse_config_znode(const std::string& data);

}  // namespace gregor::broker
