#include "broker/listener_config.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/config_value.h"

namespace gregor::broker {
namespace {

constexpr std::string_view kDefaultProtocolMap =
    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
constexpr std::string_view kProtocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
// The protocols the network front serves today.
constexpr std::string_view kServed[] = {"PLAINTEXT"};

using ProtocolMap = std::map<std::string, std::string, std::less<>>;

std::optional<std::string_view> find(const Properties& props, std::string_view key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return it->second;
}

std::optional<ProtocolMap> parse_protocol_map(std::string_view text, std::string& error) {
  ProtocolMap map;
  for (const auto& item : split_list(text)) {
    const auto colon = item.find(':');
    const std::string protocol = colon == std::string::npos ? "" : item.substr(colon + 1);
    if (colon == 0 || std::ranges::find(kProtocols, protocol) == std::end(kProtocols)) {
      error = "'" + item + "' is not NAME:PROTOCOL with PROTOCOL one of PLAINTEXT, SSL, " +
              "SASL_PLAINTEXT, SASL_SSL";
      return std::nullopt;
    }
    map[item.substr(0, colon)] = protocol;
  }
  return map;
}

// Gives each endpoint its security protocol; refuses names the map lacks, and repeated names.
bool map_protocols(std::vector<Endpoint>& endpoints, const ProtocolMap& map, std::string& error) {
  std::set<std::string> names;
  for (auto& ep : endpoints) {
    auto it = map.find(ep.listener_name);
    if (it == map.end()) {
      error = "listener name " + ep.listener_name + " is not in listener.security.protocol.map";
      return false;
    }
    if (!names.insert(ep.listener_name).second) {
      error = "listener name " + ep.listener_name + " appears twice";
      return false;
    }
    ep.security_protocol = it->second;
  }
  return true;
}

std::string invalid(std::string_view key, std::string_view value, const std::string& reason) {
  return "invalid value '" + std::string(value) + "' for " + std::string(key) + ": " + reason;
}

// `listeners`, or PLAINTEXT://host.name:port from the legacy keys.
std::optional<std::vector<Endpoint>> bind_endpoints(const Properties& props, std::string& error) {
  if (auto listeners = find(props, "listeners")) {
    for (std::string_view legacy : {"port", "host.name"}) {
      if (!find(props, legacy)) continue;
      error = std::string(legacy) + " cannot be set together with listeners (Kafka ignores it): " +
              "remove it, or put the address in listeners";
      return std::nullopt;
    }
    std::string reason;
    auto parsed = parse_listeners(*listeners, reason);
    if (!parsed) error = invalid("listeners", *listeners, reason);
    return parsed;
  }
  Endpoint ep{"PLAINTEXT", std::string(find(props, "host.name").value_or("")), 9092};
  if (auto port = find(props, "port")) {
    std::string reason;
    auto parsed = parse_integer(*port, 0, 65535, reason);
    if (!parsed) {
      error = invalid("port", *port, reason);
      return std::nullopt;
    }
    ep.port = static_cast<uint16_t>(*parsed);
  }
  return std::vector<Endpoint>{ep};
}

// `advertised.listeners`, or PLAINTEXT://advertised.host.name:advertised.port (each defaulting
// to its bind-side key) when either legacy key is set, or nothing: the listeners themselves.
std::optional<std::vector<Endpoint>> advertised_endpoints(const Properties& props,
                                                          const std::vector<Endpoint>& bound,
                                                          std::string& error) {
  const auto legacy_host = find(props, "advertised.host.name");
  const auto legacy_port = find(props, "advertised.port");
  if (auto listeners = find(props, "advertised.listeners")) {
    if (legacy_host || legacy_port) {
      error = std::string(legacy_host ? "advertised.host.name" : "advertised.port") +
              " cannot be set together with advertised.listeners (Kafka ignores it): remove it";
      return std::nullopt;
    }
    std::string reason;
    auto parsed = parse_listeners(*listeners, reason);
    if (!parsed) error = invalid("advertised.listeners", *listeners, reason);
    return parsed;
  }
  if (!legacy_host && !legacy_port) return std::vector<Endpoint>{};
  if (find(props, "listeners")) {
    error = std::string(legacy_host ? "advertised.host.name" : "advertised.port") +
            " applies only with the legacy port and host.name keys: use advertised.listeners";
    return std::nullopt;
  }
  Endpoint ep = bound.front();
  if (legacy_host) ep.host = std::string(*legacy_host);
  if (legacy_port) {
    std::string reason;
    auto parsed = parse_integer(*legacy_port, 1, 65535, reason);
    if (!parsed) {
      error = invalid("advertised.port", *legacy_port, reason);
      return std::nullopt;
    }
    ep.port = static_cast<uint16_t>(*parsed);
  }
  return std::vector<Endpoint>{ep};
}

bool check_advertised(const std::vector<Endpoint>& advertised, const std::vector<Endpoint>& bound,
                      std::string& error) {
  for (const auto& ep : advertised) {
    const bool listened = std::ranges::any_of(
        bound, [&](const Endpoint& b) { return b.listener_name == ep.listener_name; });
    if (!listened) {
      error = "advertised.listeners: listener name " + ep.listener_name +
              " is not one of the names in listeners";
      return false;
    }
    if (ep.host == "0.0.0.0" || ep.host == "::") {
      error = "advertised.listeners: " + listeners_text({ep}) +
              " is a wildcard address, which clients cannot connect to: name a routable host";
      return false;
    }
  }
  return true;
}

bool check_served(const std::vector<Endpoint>& endpoints, std::string& error) {
  for (const auto& ep : endpoints) {
    if (std::ranges::find(kServed, ep.security_protocol) != std::end(kServed)) continue;
    error = "listeners: " + listeners_text({ep}) + " uses security protocol " +
            ep.security_protocol + ", which Gregor does not serve yet (only PLAINTEXT)";
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<Endpoint>> parse_listeners(std::string_view text, std::string& error) {
  std::vector<Endpoint> endpoints;
  for (const auto& item : split_list(text)) {
    const auto scheme_end = item.find("://");
    const auto colon = item.rfind(':');
    if (scheme_end == std::string::npos || scheme_end == 0 || colon < scheme_end + 3) {
      error = "'" + item + "' is not of the form NAME://host:port";
      return std::nullopt;
    }
    Endpoint ep;
    ep.listener_name = item.substr(0, scheme_end);
    ep.host = item.substr(scheme_end + 3, colon - scheme_end - 3);
    if (ep.host.size() >= 2 && ep.host.front() == '[' && ep.host.back() == ']') {
      ep.host = ep.host.substr(1, ep.host.size() - 2);  // [::1]
    } else if (ep.host.find(':') != std::string::npos) {
      error = "'" + item + "': an IPv6 address goes in brackets, as NAME://[::1]:port";
      return std::nullopt;
    }
    auto port = parse_integer(item.substr(colon + 1), 0, 65535, error);
    if (!port) return std::nullopt;
    ep.port = static_cast<uint16_t>(*port);
    endpoints.push_back(std::move(ep));
  }
  if (endpoints.empty()) {
    error = "needs at least one listener";
    return std::nullopt;
  }
  return endpoints;
}

std::string listeners_text(const std::vector<Endpoint>& endpoints) {
  std::string text;
  for (const auto& ep : endpoints) {
    if (!text.empty()) text += ",";
    const bool v6 = ep.host.find(':') != std::string::npos;
    text += ep.listener_name + "://" + (v6 ? "[" + ep.host + "]" : ep.host) + ":" +
            std::to_string(ep.port);
  }
  return text;
}

std::string advertised_host(const Endpoint& endpoint) {
  const bool wildcard =
      endpoint.host.empty() || endpoint.host == "0.0.0.0" || endpoint.host == "::";
  return wildcard ? "localhost" : endpoint.host;
}

bool is_listener_key(std::string_view key) {
  static const std::set<std::string_view> keys = {"listeners",
                                                  "advertised.listeners",
                                                  "listener.security.protocol.map",
                                                  "port",
                                                  "host.name",
                                                  "advertised.host.name",
                                                  "advertised.port"};
  return keys.contains(key);
}

std::optional<ListenerSettings> resolve_listeners(const Properties& props, std::string& error) {
  const auto map_text = find(props, "listener.security.protocol.map").value_or(kDefaultProtocolMap);
  std::string reason;
  auto map = parse_protocol_map(map_text, reason);
  if (!map) {
    error = invalid("listener.security.protocol.map", map_text, reason);
    return std::nullopt;
  }
  ListenerSettings settings;
  auto bound = bind_endpoints(props, error);
  if (!bound) return std::nullopt;
  settings.listeners = std::move(*bound);
  auto advertised = advertised_endpoints(props, settings.listeners, error);
  if (!advertised) return std::nullopt;
  settings.advertised = std::move(*advertised);
  if (!map_protocols(settings.listeners, *map, error) ||
      !map_protocols(settings.advertised, *map, error) ||
      !check_advertised(settings.advertised, settings.listeners, error) ||
      !check_served(settings.listeners, error)) {
    return std::nullopt;
  }
  return settings;
}

}  // namespace gregor::broker
