// A partition of a topic, by name: the key of logs, offsets, checkpoints and elections
// throughout the broker. Plain value; ordered by topic, then partition.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace gregor {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

}  // namespace gregor
