#include "cluster/partition_state.h"

#include <charconv>
#include <limits>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cluster/metadata_store.h"

namespace gregor::cluster {
namespace {

using Json = nlohmann::json;

Json parse_object(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc : Json();
}

template <typename Int>
std::optional<Int> parse_decimal(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// An integer field that fits Int; nullopt if absent or of another type.
template <typename Int>
std::optional<Int> int_field(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
  auto value = it->get<int64_t>();
  if (value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max()) {
    return std::nullopt;
  }
  return static_cast<Int>(value);
}

// Kafka writes timestamps as a decimal string; older tools wrote numbers. 0 when absent.
std::optional<int64_t> timestamp_field(const Json& doc) {
  auto it = doc.find("timestamp");
  if (it == doc.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) return parse_decimal<int64_t>(it->get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<std::vector<int32_t>> broker_list(const Json& value) {
  if (!value.is_array()) return std::nullopt;
  std::vector<int32_t> ids;
  for (const Json& id : value) {
    if (!id.is_number_integer()) return std::nullopt;
    auto n = id.get<int64_t>();
    if (n < 0 || n > std::numeric_limits<int32_t>::max()) return std::nullopt;
    ids.push_back(static_cast<int32_t>(n));
  }
  return ids;
}

// "PLAINTEXT://host:9092", "SSL://[::1]:9093", "INTERNAL://:9094" (empty host: all interfaces).
std::optional<BrokerEndpoint> parse_endpoint(const std::string& text) {
  auto scheme_end = text.find("://");
  auto colon = text.rfind(':');
  if (scheme_end == std::string::npos || scheme_end == 0 || colon <= scheme_end) {
    return std::nullopt;
  }
  BrokerEndpoint endpoint;
  endpoint.listener = text.substr(0, scheme_end);
  endpoint.host = text.substr(scheme_end + 3, colon - scheme_end - 3);
  if (endpoint.host.size() >= 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']') {
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  auto port = parse_decimal<int32_t>(std::string_view(text).substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  endpoint.port = *port;
  return endpoint;
}

std::string format_endpoint(const BrokerEndpoint& endpoint) {
  bool ipv6 = endpoint.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  return endpoint.listener + "://" + host + ":" + std::to_string(endpoint.port);
}

}  // namespace

std::string broker_path(int32_t broker_id) {
  return kBrokerIdsPath + "/" + std::to_string(broker_id);
}
std::string topic_path(const std::string& topic) {
  return kBrokerTopicsPath + "/" + topic;
}
std::string partitions_path(const std::string& topic) {
  return topic_path(topic) + "/partitions";
}
std::string partition_path(const std::string& topic, int32_t partition) {
  return partitions_path(topic) + "/" + std::to_string(partition);
}
std::string partition_state_path(const std::string& topic, int32_t partition) {
  return partition_path(topic, partition) + "/state";
}

std::optional<int32_t> parse_znode_number(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.front() == '+') return std::nullopt;
  return parse_decimal<int32_t>(name);
}

std::string encode_leader_and_isr(const LeaderAndIsr& state) {
  Json doc{{"controller_epoch", state.controller_epoch},
           {"leader", state.leader},
           {"version", state.leader_recovery_state == 0 ? 1 : 2},
           {"leader_epoch", state.leader_epoch},
           {"isr", state.isr}};
  if (state.leader_recovery_state != 0) doc["leader_recovery_state"] = state.leader_recovery_state;
  return doc.dump();
}

std::optional<LeaderAndIsr> parse_leader_and_isr(std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null()) return std::nullopt;
  auto leader = int_field<int32_t>(doc, "leader");
  auto leader_epoch = int_field<int32_t>(doc, "leader_epoch");
  auto controller_epoch = int_field<int32_t>(doc, "controller_epoch");
  auto isr = doc.contains("isr") ? broker_list(doc["isr"]) : std::nullopt;
  if (!leader || *leader < kNoLeader || !leader_epoch || !controller_epoch || !isr) {
    return std::nullopt;
  }
  LeaderAndIsr state{*leader, *leader_epoch, std::move(*isr), *controller_epoch, 0};
  if (doc.contains("leader_recovery_state")) {
    auto recovery = int_field<int8_t>(doc, "leader_recovery_state");
    if (!recovery) return std::nullopt;
    state.leader_recovery_state = *recovery;
  }
  return state;
}

std::string encode_controller(const ControllerRegistration& controller) {
  return Json{{"version", 1},
              {"brokerid", controller.broker_id},
              {"timestamp", std::to_string(controller.timestamp_ms)}}
      .dump();
}

std::optional<ControllerRegistration> parse_controller(std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null()) {
    // Kafka before 0.9 wrote the bare broker id.
    auto id = parse_znode_number(json);
    if (!id) return std::nullopt;
    return ControllerRegistration{*id, 0};
  }
  auto id = int_field<int32_t>(doc, "brokerid");
  auto timestamp = timestamp_field(doc);
  if (!id || *id < 0 || !timestamp) return std::nullopt;
  return ControllerRegistration{*id, *timestamp};
}

std::string encode_controller_epoch(int32_t epoch) {
  return std::to_string(epoch);
}

std::optional<int32_t> parse_controller_epoch(std::string_view data) {
  while (!data.empty() && (data.back() == '\n' || data.back() == ' '))
    data.remove_suffix(1);
  return parse_znode_number(data);
}

std::string encode_broker_registration(const BrokerRegistration& broker) {
  Json protocols = Json::object();
  Json endpoints = Json::array();
  Json host = nullptr;
  int32_t port = -1;
  for (const BrokerEndpoint& endpoint : broker.endpoints) {
    protocols[endpoint.listener] = endpoint.security_protocol;
    endpoints.push_back(format_endpoint(endpoint));
    if (endpoint.listener == "PLAINTEXT" && host.is_null()) {
      host = endpoint.host;
      port = endpoint.port;
    }
  }
  return Json{{"features", Json::object()},
              {"listener_security_protocol_map", protocols},
              {"endpoints", endpoints},
              {"jmx_port", broker.jmx_port},
              {"port", port},
              {"host", host},
              {"version", 5},
              {"timestamp", std::to_string(broker.timestamp_ms)},
              {"rack", broker.rack ? Json(*broker.rack) : Json(nullptr)}}
      .dump();
}

std::optional<BrokerRegistration> parse_broker_registration(int32_t id, std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null() || !doc["endpoints"].is_array()) return std::nullopt;
  BrokerRegistration broker;
  broker.id = id;
  const Json& protocols = doc["listener_security_protocol_map"];
  if (!protocols.is_null() && !protocols.is_object()) return std::nullopt;
  for (const Json& text : doc["endpoints"]) {
    if (!text.is_string()) return std::nullopt;
    auto endpoint = parse_endpoint(text.get<std::string>());
    if (!endpoint) return std::nullopt;
    auto protocol = protocols.is_object() ? protocols.find(endpoint->listener) : protocols.end();
    bool named = protocols.is_object() && protocol != protocols.end() && protocol->is_string();
    endpoint->security_protocol = named ? protocol->get<std::string>() : endpoint->listener;
    broker.endpoints.push_back(std::move(*endpoint));
  }
  const Json& rack = doc["rack"];
  if (rack.is_string()) {
    broker.rack = rack.get<std::string>();
  } else if (!rack.is_null()) {
    return std::nullopt;
  }
  auto timestamp = timestamp_field(doc);
  if (!timestamp) return std::nullopt;
  broker.timestamp_ms = *timestamp;
  broker.jmx_port = int_field<int32_t>(doc, "jmx_port").value_or(-1);
  return broker;
}

std::optional<std::map<int32_t, std::vector<int32_t>>> parse_topic_assignment(
    std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null() || !doc["partitions"].is_object()) return std::nullopt;
  std::map<int32_t, std::vector<int32_t>> assignment;
  for (const auto& [key, replicas] : doc["partitions"].items()) {
    auto partition = parse_znode_number(key);
    auto ids = broker_list(replicas);
    if (!partition || !ids || ids->empty()) return std::nullopt;
    assignment[*partition] = std::move(*ids);
  }
  return assignment;
}

std::optional<std::map<int32_t, PartitionReassignment>> parse_topic_reassignments(
    std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null() || !doc["partitions"].is_object()) return std::nullopt;
  std::map<int32_t, PartitionReassignment> out;
  auto read = [&](const char* field, std::vector<int32_t> PartitionReassignment::*member) {
    if (!doc.contains(field) || !doc[field].is_object()) return true;  // before version 2
    for (const auto& [key, replicas] : doc[field].items()) {
      auto partition = parse_znode_number(key);
      auto ids = broker_list(replicas);
      if (!partition || !ids) return false;
      if (!ids->empty()) out[*partition].*member = std::move(*ids);
    }
    return true;
  };
  if (!read("adding_replicas", &PartitionReassignment::adding) ||
      !read("removing_replicas", &PartitionReassignment::removing)) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> update_topic_partition(std::string_view topic_json, int32_t partition,
                                                  const std::vector<int32_t>& replicas,
                                                  const PartitionReassignment& reassignment) {
  Json doc = parse_object(topic_json);
  if (doc.is_null() || !doc["partitions"].is_object()) return std::nullopt;
  const std::string key = std::to_string(partition);
  doc["partitions"][key] = replicas;
  for (auto [field, ids] : {std::pair{"adding_replicas", &reassignment.adding},
                            std::pair{"removing_replicas", &reassignment.removing}}) {
    if (!doc[field].is_object()) doc[field] = Json::object();
    if (ids->empty()) {
      doc[field].erase(key);
    } else {
      doc[field][key] = *ids;
    }
  }
  if (int_field<int32_t>(doc, "version").value_or(1) < 2) doc["version"] = 2;
  return doc.dump();
}

StoreError read_registered_brokers(MetadataStore& store, std::vector<BrokerRegistration>& brokers) {
  brokers.clear();
  std::vector<std::string> names;
  if (StoreError e = store.children(kBrokerIdsPath, names); e != StoreError::kOk) return e;
  for (const auto& name : names) {
    auto id = parse_znode_number(name);
    std::string data;
    if (!id || store.get(broker_path(*id), data) != StoreError::kOk) continue;  // gone since
    auto registration = parse_broker_registration(*id, data);
    if (!registration) {
      spdlog::warn("unreadable broker registration {}: {}", broker_path(*id), data);
      registration = BrokerRegistration{.id = *id};
    }
    brokers.push_back(std::move(*registration));
  }
  return StoreError::kOk;
}

std::optional<bool> parse_unclean_election_override(std::string_view json) {
  Json doc = parse_object(json);
  if (doc.is_null() || !doc["config"].is_object()) return std::nullopt;
  const Json& value = doc["config"]["unclean.leader.election.enable"];
  if (!value.is_string()) return std::nullopt;
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

}  // namespace gregor::cluster
