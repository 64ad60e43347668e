#include "storage/topic_partition.h"

#include <charconv>

namespace gregor::storage {

std::string log_dir_name(const TopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

std::optional<TopicPartition> parse_log_dir_name(std::string_view name) {
  const size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  const std::string_view digits = name.substr(dash + 1);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int32_t partition = 0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return TopicPartition{std::string(name.substr(0, dash)), partition};
}

}  // namespace gregor::storage
