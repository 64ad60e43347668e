#include "cli/perf_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace gregor::cli {

// Values below 64 get a bucket each; above, a value with its highest bit at position h >= 6
// falls in magnitude h - 5, sub-bucket = its next 6 bits.
int LatencyHistogram::bucket_of(int64_t micros) {
  const uint64_t v = static_cast<uint64_t>(std::max<int64_t>(micros, 0));
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  const int high = std::bit_width(v) - 1;
  const int shift = high - kSubBits;
  const int magnitude = std::min(shift + 1, kMagnitudes - 1);
  if (magnitude != shift + 1) return kBuckets - 1;  // beyond the range: the last bucket
  const int sub = static_cast<int>(v >> shift) - (1 << kSubBits);
  return (magnitude << kSubBits) + sub;
}

int64_t LatencyHistogram::upper_bound_of(int bucket) {
  const int magnitude = bucket >> kSubBits;
  const int64_t sub = bucket & ((1 << kSubBits) - 1);
  if (magnitude == 0) return sub;
  const int shift = magnitude - 1;
  return (((1 << kSubBits) + sub) << shift) + (int64_t{1} << shift) - 1;
}

void LatencyHistogram::record(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  ++counts_[bucket_of(micros)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  const auto target = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(std::clamp(fraction, 0.0, 1.0) * count_)));
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= target) return i == kBuckets - 1 ? max_ : std::min(upper_bound_of(i), max_);
  }
  return max_;
}

Pacer::Pacer(double per_second, Clock::time_point start) : next_(start) {
  if (per_second > 0) {
    paced_ = true;
    interval_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
  }
}

Pacer::Clock::duration Pacer::due(Clock::time_point now) {
  if (!paced_) return Clock::duration::zero();
  // This event's slot: the next free one, but never further in the past than the catch-up
  // window, so that a stall turns into a short burst at most.
  const Clock::time_point slot = std::max(next_, now - std::max(interval_, kCatchUp));
  next_ = slot + interval_;
  return slot > now ? slot - now : Clock::duration::zero();
}

namespace {

double ms(int64_t micros) {
  return micros / 1000.0;
}

}  // namespace

nlohmann::json summary_json(const PerfTotals& totals) {
  nlohmann::json out = {{"kind", totals.kind},
                        {"records", totals.records},
                        {"bytes", totals.bytes},
                        {"errors", totals.errors},
                        {"seconds", totals.seconds},
                        {"records_per_sec", totals.records_per_second()},
                        {"mb_per_sec", totals.mb_per_second()}};
  if (totals.latency != nullptr) {
    const LatencyHistogram& h = *totals.latency;
    out["latency_ms"] = {{"avg", h.mean() / 1000.0},
                         {"p50", ms(h.percentile(0.50))},
                         {"p99", ms(h.percentile(0.99))},
                         {"p99_9", ms(h.percentile(0.999))},
                         {"max", ms(h.max())}};
  }
  return out;
}

void print_summary(const PerfTotals& totals, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kJson) {
    out << summary_json(totals).dump() << '\n';
    return;
  }
  out << fmt::format("{} records in {:.2f} s: {:.0f} records/s, {:.2f} MB/s", totals.records,
                     totals.seconds, totals.records_per_second(), totals.mb_per_second());
  if (totals.errors > 0) out << fmt::format(", {} errors", totals.errors);
  if (totals.latency != nullptr) {
    const LatencyHistogram& h = *totals.latency;
    out << fmt::format("; latency ms avg {:.2f}, p50 {:.2f}, p99 {:.2f}, p99.9 {:.2f}, max {:.2f}",
                       h.mean() / 1000.0, ms(h.percentile(0.50)), ms(h.percentile(0.99)),
                       ms(h.percentile(0.999)), ms(h.max()));
  }
  out << '\n';
}

std::string progress_line(const PerfTotals& interval, const LatencyHistogram* latency) {
  std::string line = fmt::format("{} records, {:.0f} records/s, {:.2f} MB/s", interval.records,
                                 interval.records_per_second(), interval.mb_per_second());
  if (latency != nullptr && latency->count() > 0) {
    line +=
        fmt::format(", latency so far ms avg {:.2f} p99 {:.2f} max {:.2f}",
                    latency->mean() / 1000.0, ms(latency->percentile(0.99)), ms(latency->max()));
  }
  return line;
}

}  // namespace gregor::cli
