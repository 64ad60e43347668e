// A partition's log directory name, `<topic>-<partition>` (Kafka's layout).
// Plain values; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/topic_partition.h"

namespace gregor::storage {

// "<topic>-<partition>".
std::string log_dir_name(const TopicPartition& tp);

// Parses a log directory name. Topic names may contain '-': the partition is what follows the
// LAST '-', and must be a non-negative decimal int32. nullopt for anything else (including
// Kafka's `<topic>-<partition>.<id>-delete` directories and the metadata store's folder).
std::optional<TopicPartition> parse_log_dir_name(std::string_view name);

}  // namespace gregor::storage
