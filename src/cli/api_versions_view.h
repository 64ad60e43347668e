// What `gregor cluster api-versions` shows of a broker's ApiVersions answer: each API by Kafka's
// name, the broker's version range, and the version `gregor` would use with it (the highest both
// sides know), as Kafka's kafka-broker-api-versions.sh judges it. Pure: no I/O.
//
//   auto rows = compare_api_versions(broker_ranges, protocol::kApiSchemas);
//   // rows[0]: {0, "Produce", 3, 9, 9, ""}
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/messages/api_list.h"

namespace gregor::cli {

// One API as a broker advertises it.
struct ApiVersionRange {
  int16_t key = 0;
  int16_t min_version = 0;
  int16_t max_version = 0;
};

struct ApiSupport {
  int16_t key = 0;
  std::string name;  // Kafka's name, or "UNKNOWN" for a key gregor has no schema of
  std::optional<int16_t> broker_min;  // nullopt: the broker does not serve it
  std::optional<int16_t> broker_max;
  std::optional<int16_t> usable;  // the highest version both sides know, if the ranges meet
  // Why there is no usable version: "unsupported" (the broker lacks it), "node too old" (its
  // newest version is older than gregor's oldest), "node too new", or "" when usable or unknown.
  std::string note;
};

// Kafka's name of API `key` among `known`, or "UNKNOWN".
std::string api_name(int16_t key, std::span<const protocol::ApiSchemaInfo> known);

// Every API the broker serves, then every one `known` has that the broker does not, by key.
std::vector<ApiSupport> compare_api_versions(const std::vector<ApiVersionRange>& broker,
                                             std::span<const protocol::ApiSchemaInfo> known);

}  // namespace gregor::cli
