// What `gregor perf` measures and how it reports it: a latency histogram, a pacer for a target
// rate, the once-a-second progress line and the final summary (table or JSON). Pure logic with
// an injected clock where time matters, so it has unit tests.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/options.h"

namespace gregor::cli {

// Latencies in microseconds, from 0 to about 2^40 us (12 days), each kept within 1/64 (1.6 %)
// of its value: 64 linear sub-buckets per power of two. Fixed size (about 20 KB), no allocation
// when recording, so the producer's delivery callback can record every record.
class LatencyHistogram {
 public:
  void record(int64_t micros);
  void merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The smallest recorded value v such that `fraction` (0..1) of the values are <= v, given to
  // the precision of its bucket (its upper bound, never above max()). 0 when empty.
  int64_t percentile(double fraction) const;

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets
  static constexpr int kMagnitudes = 41;
  static constexpr int kBuckets = kMagnitudes << kSubBits;
  static int bucket_of(int64_t micros);
  static int64_t upper_bound_of(int bucket);

  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t max_ = 0;
};

// Paces a loop to `per_second` events (<= 0: unpaced). Call `due(now)` once before each event:
// it books the event's slot and answers how long to wait for it (zero: go now). Events that
// are late (a sleep that overslept) go at once, to keep the average rate, but only within a
// 5 ms window: after a longer stall the pace restarts from the present instead of bursting.
class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  Pacer(double per_second, Clock::time_point start);
  Clock::duration due(Clock::time_point now);

 private:
  static constexpr Clock::duration kCatchUp = std::chrono::milliseconds(5);
  Clock::duration interval_{};
  Clock::time_point next_;
  bool paced_ = false;
};

// A run's totals: what the summary prints.
struct PerfTotals {
  std::string kind;  // "produce", "consume", "e2e"
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t errors = 0;
  double seconds = 0;
  const LatencyHistogram* latency = nullptr;  // produce (send to ack) and e2e

  double records_per_second() const { return seconds > 0 ? records / seconds : 0; }
  double mb_per_second() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
};

// The summary as JSON: records, bytes, errors, seconds, records_per_sec, mb_per_sec and, with a
// histogram, latency_ms {avg, p50, p99, p99_9, max}.
nlohmann::json summary_json(const PerfTotals& totals);
// The summary for people (one line) or scripts (JSON), as `format` says.
void print_summary(const PerfTotals& totals, OutputFormat format, std::ostream& out);
// The once-a-second line: records and rate in the last interval, latency so far.
std::string progress_line(const PerfTotals& interval, const LatencyHistogram* latency);

}  // namespace gregor::cli
