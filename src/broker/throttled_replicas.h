// The value of the topic configs leader.replication.throttled.replicas and
// follower.replication.throttled.replicas (KIP-73): "" (none), "*" (every replica) or a list of
// partition:broker pairs ("0:101,0:102,1:102"). A broker throttles a partition's replication
// when it is listed for that partition (as leader or as follower, depending on the key).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace gregor::broker {

struct ThrottledReplicas {
  bool all = false;
  std::set<std::pair<int32_t, int32_t>> replicas;  // (partition, broker)

  bool includes(int32_t partition, int32_t broker) const {
    return all || replicas.contains({partition, broker});
  }
};

// Nullopt with `error` set to the reason when `text` is none of the three forms.
std::optional<ThrottledReplicas> parse_throttled_replicas(std::string_view text,
                                                          std::string& error);

}  // namespace gregor::broker
