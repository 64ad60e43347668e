#include "cli/perf_stats.h"

#include <gtest/gtest.h>

#include <sstream>

namespace gregor::cli {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 50; ++v)
    h.record(v);
  EXPECT_EQ(h.count(), 50);
  EXPECT_EQ(h.percentile(0.5), 25);
  EXPECT_EQ(h.percentile(0.99), 50);
  EXPECT_EQ(h.percentile(1.0), 50);
  EXPECT_EQ(h.max(), 50);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(LatencyHistogram, LargeValuesWithinTwoPercent) {
  LatencyHistogram h;
  for (int64_t v = 1000; v <= 100000; v += 1000)
    h.record(v);
  // 100 values: the 50th is 50,000, the 99th is 99,000.
  EXPECT_GE(h.percentile(0.5), 50000);
  EXPECT_LE(h.percentile(0.5), 50000 * 1.02);
  EXPECT_GE(h.percentile(0.99), 99000);
  EXPECT_LE(h.percentile(0.99), 99000 * 1.02);
  EXPECT_EQ(h.percentile(1.0), 100000);  // never above the maximum
}

TEST(LatencyHistogram, EmptyNegativeHugeAndMerge) {
  LatencyHistogram a;
  EXPECT_EQ(a.percentile(0.99), 0);
  EXPECT_EQ(a.mean(), 0.0);
  a.record(-5);  // a clock step backwards counts as 0
  EXPECT_EQ(a.max(), 0);
  LatencyHistogram b;
  b.record(int64_t{1} << 50);  // beyond the range: kept in the last bucket, max exact
  a.merge(b);
  EXPECT_EQ(a.count(), 2);
  EXPECT_EQ(a.percentile(0.5), 0);
  EXPECT_EQ(a.percentile(1.0), int64_t{1} << 50);
}

TEST(Pacer, SpacesEventsAndDoesNotBurstAfterAStall) {
  using namespace std::chrono;
  const auto t0 = Pacer::Clock::time_point{} + seconds(100);
  Pacer pacer(1000, t0);  // one event per ms
  EXPECT_EQ(pacer.due(t0), Pacer::Clock::duration::zero());
  EXPECT_EQ(pacer.due(t0), milliseconds(1));  // the second waits for its slot at t0 + 1 ms
  EXPECT_EQ(pacer.due(t0 + milliseconds(1)), milliseconds(1));  // the third for t0 + 2 ms
  EXPECT_EQ(pacer.due(t0 + milliseconds(3)), Pacer::Clock::duration::zero());  // on time
  // Stalled for a second: the events of the last 5 ms go at once, then the pace resumes (no
  // 1000-event burst).
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(pacer.due(t0 + seconds(1)), Pacer::Clock::duration::zero()) << i;
  EXPECT_EQ(pacer.due(t0 + seconds(1)), milliseconds(1));
  Pacer unpaced(0, t0);
  EXPECT_EQ(unpaced.due(t0), Pacer::Clock::duration::zero());
  EXPECT_EQ(unpaced.due(t0), Pacer::Clock::duration::zero());
}

TEST(PerfSummary, JsonAndTableCarryTheNumbers) {
  LatencyHistogram h;
  h.record(20);  // microseconds, in exact buckets
  h.record(40);
  PerfTotals totals{"produce", 1000, 100000, 0, 2.0, &h};
  const auto json = summary_json(totals);
  EXPECT_EQ(json["records"], 1000);
  EXPECT_DOUBLE_EQ(json["records_per_sec"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(json["mb_per_sec"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["max"].get<double>(), 0.04);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["avg"].get<double>(), 0.03);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["p50"].get<double>(), 0.02);
  std::ostringstream table;
  print_summary(totals, OutputFormat::kTable, table);
  EXPECT_EQ(table.str(),
            "1000 records in 2.00 s: 500 records/s, 0.05 MB/s; latency ms avg 0.03, p50 0.02, "
            "p99 0.04, p99.9 0.04, max 0.04\n");
  PerfTotals no_latency{"consume", 10, 10, 0, 0, nullptr};
  EXPECT_FALSE(summary_json(no_latency).contains("latency_ms"));
  EXPECT_EQ(summary_json(no_latency)["records_per_sec"], 0.0);
}

}  // namespace
}  // namespace gregor::cli
