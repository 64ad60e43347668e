// A map key for one topic-partition, with a comparator that also takes (string_view, int)
// probes, so that lookups on the request path do not allocate a string.
//
//   std::map<PartitionKey, Value, PartitionKeyLess> map;
//   map.find(std::pair<std::string_view, int32_t>(topic, partition));
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "common/topic_partition.h"

namespace gregor::broker {

using PartitionKey = TopicPartition;

struct PartitionKeyLess {
  using is_transparent = void;
  using Probe = std::pair<std::string_view, int32_t>;

  static Probe probe(const TopicPartition& key) { return {key.topic, key.partition}; }
  static Probe probe(const Probe& probe) { return probe; }

  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return probe(a) < probe(b);
  }
};

}  // namespace gregor::broker
