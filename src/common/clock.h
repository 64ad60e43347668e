// Wall-clock time in milliseconds since the epoch: what Kafka puts in record timestamps, commit
// timestamps, registrations and segment roll decisions. One definition for the whole broker;
// classes whose behaviour depends on the time take a WallClock so that tests can set it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace gregor {

inline int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

using WallClock = std::function<int64_t()>;

}  // namespace gregor
