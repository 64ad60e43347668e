// The name of a partition and its log directory's name, `<topic>-<partition>` (Kafka's layout).
// Plain values; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gregor::storage {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// "<topic>-<partition>".
std::string log_dir_name(const TopicPartition& tp);

// Parses a log directory name. Topic names may contain '-': the partition is what follows the
// LAST '-', and must be a non-negative decimal int32. nullopt for anything else (including
// Kafka's `<topic>-<partition>.<id>-delete` directories and the metadata store's folder).
std::optional<TopicPartition> parse_log_dir_name(std::string_view name);

}  // namespace gregor::storage
