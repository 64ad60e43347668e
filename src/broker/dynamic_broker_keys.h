// Which broker keys a BROKER resource of AlterConfigs/IncrementalAlterConfigs may change, at
// which level, and the refusal Kafka 3.x (ZooKeeper or KRaft, 3.2 and later) gives for the
// others. Pure: no store, no locks; DynamicBrokerConfig calls check_dynamic_broker_keys()
// before it stores a resource's new set of overrides.
//
//   TopicConfigs configs{{"num.io.threads", "8"}, {"num.partitions", "3"}};
//   auto refusal = check_dynamic_broker_keys(configs, /*per_broker=*/true);
//   // *refusal == "Cannot update these configs dynamically: Set(num.partitions)"
//
// The classes, checked in this order (Kafka's), each refusal naming every offending key:
//  - a Kafka broker key that is not dynamic: "Cannot update these configs dynamically";
//  - an SSL store key without a listener prefix: "These security configs can be dynamically
//    updated only per-listener using the listener prefix";
//  - a bad value of a dynamic key: "Invalid value <v> for configuration <key>: <reason>";
//  - a per-broker key (listeners, listener.name.*, SSL and SASL keys) given to the cluster
//    default: "Cannot update these configs at default cluster level, broker id must be
//    specified".
// A key Kafka does not have at all is a custom key: accepted and stored, as Kafka does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log_config_keys.h"

namespace gregor::broker {

enum class BrokerKeyClass {
  kLogDefault,     // a dynamic log default (log_config_keys()): applied live
  kDynamic,        // dynamic in Kafka, at both levels; stored and described by Gregor
  kPerBrokerOnly,  // dynamic in Kafka for one broker only (never the cluster default)
  kStatic,         // a Kafka broker key read from server.properties only
  kCustom,         // unknown to Kafka: stored as given
};

BrokerKeyClass classify_broker_key(std::string_view name);

// Whether Gregor acts on a stored dynamic value of `name` (the log defaults and throttle rates).
inline bool applied_live(BrokerKeyClass key_class) {
  return key_class == BrokerKeyClass::kLogDefault;
}

// Kafka's refusal of `configs` as the new overrides of a BROKER resource (per_broker: a broker
// id was given, else the cluster default), or nullopt when Kafka accepts them. Values of the
// log defaults are checked with their own validators; of the other dynamic keys, by type.
std::optional<std::string> check_dynamic_broker_keys(const TopicConfigs& configs, bool per_broker);

// Key names as a Scala 2.13 immutable Set prints them: "Set(a, b)", "HashSet(...)" above four.
// Kafka prints them in hash order; here they are sorted, so the text is stable.
std::string scala_set_text(std::vector<std::string> names);

}  // namespace gregor::broker
