// A map key for one topic-partition, with a comparator that also takes (string_view, int)
// probes, so that lookups on the request path do not allocate a string.
//
//   std::map<PartitionKey, Value, PartitionKeyLess> map;
//   map.find(std::pair<std::string_view, int32_t>(topic, partition));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace gregor::broker {

using PartitionKey = std::pair<std::string, int32_t>;

struct PartitionKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    const int c = std::string_view(a.first).compare(std::string_view(b.first));
    return c < 0 || (c == 0 && a.second < b.second);
  }
};

}  // namespace gregor::broker
