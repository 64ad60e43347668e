#include "broker/throttled_replicas.h"

#include <limits>

#include "common/config_value.h"

namespace gregor::broker {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// One "partition:broker" item.
bool parse_pair(const std::string& item, ThrottledReplicas& out) {
  const auto colon = item.find(':');
  if (colon == std::string::npos) return false;
  std::string ignored;
  auto partition = parse_integer(std::string_view(item).substr(0, colon), 0, kInt32Max, ignored);
  auto broker = parse_integer(std::string_view(item).substr(colon + 1), 0, kInt32Max, ignored);
  if (!partition || !broker) return false;
  out.replicas.emplace(static_cast<int32_t>(*partition), static_cast<int32_t>(*broker));
  return true;
}

}  // namespace

std::optional<ThrottledReplicas> parse_throttled_replicas(std::string_view text,
                                                          std::string& error) {
  ThrottledReplicas out;
  const auto items = split_list(text);
  if (items.size() == 1 && items.front() == "*") {
    out.all = true;
    return out;
  }
  for (const auto& item : items) {
    if (!parse_pair(item, out)) {
      error = "must be empty, * or a list of partition:broker pairs (0:101,1:102), not " + item;
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace gregor::broker
