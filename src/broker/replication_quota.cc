#include "broker/replication_quota.h"

#include <algorithm>
#include <chrono>

namespace gregor::broker {
namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ReplicationQuota::ReplicationQuota() : ReplicationQuota(&steady_ms) {}

ReplicationQuota::ReplicationQuota(Clock now_ms) : now_ms_(std::move(now_ms)) {}

void ReplicationQuota::set_rate(int64_t bytes_per_second) {
  std::lock_guard lock(mutex_);
  rate_ = bytes_per_second;
}

int64_t ReplicationQuota::rate() const {
  std::lock_guard lock(mutex_);
  return rate_;
}

void ReplicationQuota::expire(int64_t now) {
  for (auto& sample : samples_) {
    if (sample.start_ms >= 0 && sample.start_ms + kSamples * kSampleMs <= now) sample = {};
  }
}

bool ReplicationQuota::exceeded() {
  std::lock_guard lock(mutex_);
  if (rate_ == kUnlimited) return false;
  const int64_t now = now_ms_();
  expire(now);
  int64_t bytes = 0;
  int64_t oldest = now;
  for (const auto& sample : samples_) {
    if (sample.start_ms < 0) continue;
    bytes += sample.bytes;
    oldest = std::min(oldest, sample.start_ms);
  }
  const int64_t elapsed_ms = std::max<int64_t>(now - oldest, kSampleMs);
  // bytes / (elapsed_ms / 1000) > rate, without the division's rounding.
  return static_cast<double>(bytes) * 1000.0 > static_cast<double>(rate_) * elapsed_ms;
}

void ReplicationQuota::record(int64_t bytes) {
  std::lock_guard lock(mutex_);
  const int64_t now = now_ms_();
  expire(now);
  const int64_t start = now - now % kSampleMs;
  auto slot = std::find_if(samples_.begin(), samples_.end(),
                           [start](const Sample& s) { return s.start_ms == start; });
  if (slot == samples_.end()) {
    slot = std::min_element(samples_.begin(), samples_.end(), [](const Sample& a, const Sample& b) {
      return a.start_ms < b.start_ms;
    });
    *slot = {start, 0};
  }
  slot->bytes += bytes;
}

}  // namespace gregor::broker
