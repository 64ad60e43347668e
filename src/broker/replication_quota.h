// A bytes-per-second budget for replication traffic (Kafka's leader.replication.throttled.rate
// and follower.replication.throttled.rate, KIP-73). The bytes moved are counted in one-second
// samples over a ten-second window; the rate is the bytes in the window over the time the window
// has covered, at least one second, so a first fetch larger than the rate throttles at once and
// a rate below one fetch's size is still met on average.
//
//   ReplicationQuota quota;
//   quota.set_rate(1048576);
//   if (!quota.exceeded()) { send(batch); quota.record(batch.size()); }
//
// Thread-safe: the fetch handler runs on every network thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>

namespace gregor::broker {

class ReplicationQuota {
 public:
  static constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic

  ReplicationQuota();
  explicit ReplicationQuota(Clock now_ms);

  void set_rate(int64_t bytes_per_second);
  int64_t rate() const;
  // True while the bytes of the window exceed the rate.
  bool exceeded();
  void record(int64_t bytes);

 private:
  static constexpr int kSamples = 10;
  static constexpr int64_t kSampleMs = 1000;
  struct Sample {
    int64_t start_ms = -1;  // -1: unused
    int64_t bytes = 0;
  };

  // Under mutex_: forgets samples older than the window.
  void expire(int64_t now);

  const Clock now_ms_;
  mutable std::mutex mutex_;
  int64_t rate_ = kUnlimited;
  std::array<Sample, kSamples> samples_{};
};

}  // namespace gregor::broker
