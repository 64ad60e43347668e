// The broker's listeners: `listeners`, `advertised.listeners` and
// `listener.security.protocol.map`, or, when `listeners` is absent, the legacy keys `host.name`,
// `port`, `advertised.host.name` and `advertised.port` that Kafka 0.11 still honoured.
//
// Host names are kept as written: the network front resolves them when it binds, and advertised
// host names go to clients verbatim (only they need to resolve them). Only PLAINTEXT is served;
// a listener mapped to another security protocol is refused here, at start-up, rather than
// served without the encryption or authentication it asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/properties.h"

namespace gregor::broker {

struct Endpoint {
  std::string listener_name;  // "PLAINTEXT", or a name mapped to a protocol
  std::string host;           // empty: every interface
  uint16_t port = 9092;
  std::string security_protocol = "PLAINTEXT";  // from listener.security.protocol.map
};

// "PLAINTEXT://host:9092,SSL://:9093,CLIENT://[::1]:9094" -> endpoints, without protocols.
std::optional<std::vector<Endpoint>> parse_listeners(std::string_view text, std::string& error);

// "NAME://host:port,..." as Kafka prints listeners (IPv6 hosts in brackets).
std::string listeners_text(const std::vector<Endpoint>& endpoints);

// The host clients are told for `endpoint`: its own, or "localhost" for a wildcard (empty,
// 0.0.0.0, ::) that is advertised because advertised.listeners does not name the host.
std::string advertised_host(const Endpoint& endpoint);

// The keys this module reads; the broker's parser leaves them to resolve_listeners().
bool is_listener_key(std::string_view key);

struct ListenerSettings {
  std::vector<Endpoint> listeners;
  std::vector<Endpoint> advertised;  // empty: the same as listeners
};

// Resolves the listener keys of `props` as Kafka does: explicit lists first, then the legacy
// keys, then the default PLAINTEXT://:9092; names to security protocols through the map. On a
// bad or unservable setting returns nullopt with `error` one line naming the key and the value.
std::optional<ListenerSettings> resolve_listeners(const Properties& props, std::string& error);

}  // namespace gregor::broker
