// Log cleaner throughput: one compaction pass (storage::clean_log) over a log of keyed records,
// in MB of log read per second, with the memory the pass used (its key map, and the process's
// peak RSS). Results: docs/performance.md, "Log cleaner".
//
//   bin/log_cleaner_bench --benchmark_counters_tabular=true
#include <sys/resource.h>

#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_batches.h"
#include "protocol/records.h"
#include "storage/cleaner.h"
#include "storage/log.h"

namespace gregor::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int kRecordsPerBatch = 100;
constexpr size_t kValueBytes = 100;

// A log of `records` records over `keys` distinct keys (round robin, so each key has
// records / keys versions), in batches of 100 with `codec`, 64 MB segments, one record in
// the active segment.
std::shared_ptr<Log> build_log(const std::string& dir, int64_t records, int64_t keys,
                               protocol::Compression codec) {
  LogConfig config;
  config.segment_bytes = 64 << 20;
  config.cleanup_policy = "compact";
  auto log = Log::open(dir + "/bench-0", config, false, 0).log;
  std::vector<std::string> key_text(kRecordsPerBatch);
  const std::string value(kValueBytes, 'v');
  std::vector<protocol::RecordInput> inputs(kRecordsPerBatch);
  std::vector<uint8_t> batch;
  for (int64_t at = 0; at < records; at += kRecordsPerBatch) {
    for (int i = 0; i < kRecordsPerBatch; ++i) {
      key_text[i] = "key-" + std::to_string((at + i) % keys);
      inputs[i].timestamp = kNow - 3'600'000;
      inputs[i].key = protocol::ByteView(reinterpret_cast<const uint8_t*>(key_text[i].data()),
                                         key_text[i].size());
      inputs[i].value =
          protocol::ByteView(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    }
    protocol::encode_batch(inputs, {.compression = codec}, batch);
    std::vector<protocol::BatchHeader> headers{*protocol::parse_batch_header(batch)};
    log->append(batch, headers, 0, kNow);
  }
  config.segment_bytes = 1;  // the next append rolls: everything above becomes cleanable
  log->set_config(config);
  protocol::encode_batch(std::span(inputs).first(1), {}, batch);
  std::vector<protocol::BatchHeader> headers{*protocol::parse_batch_header(batch)};
  log->append(batch, headers, 0, kNow);
  return log;
}

int64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024;
}

// Args: records, distinct keys, codec.
void BM_CleanLog(benchmark::State& state) {
  const int64_t records = state.range(0);
  const int64_t keys = state.range(1);
  const auto codec = static_cast<protocol::Compression>(state.range(2));
  KeyOffsetMap map(128 << 20);  // log.cleaner.dedupe.buffer.size's default
  int64_t cleaned_bytes = 0;
  CleanStats stats;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = bench::temp_dir();
    auto log = build_log(dir, records, keys, codec);
    const CleanableRange range = cleanable_range(*log, 0, kNow);
    state.ResumeTiming();
    stats = clean_log(*log, range, map, kNow);
    state.PauseTiming();
    cleaned_bytes += stats.bytes_read;
    log.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["MB/s"] =
      benchmark::Counter(static_cast<double>(cleaned_bytes) / 1e6, benchmark::Counter::kIsRate);
  state.counters["log_MB"] = static_cast<double>(stats.bytes_read) / 1e6;
  state.counters["kept_%"] = 100.0 * static_cast<double>(stats.records_kept) /
                             static_cast<double>(std::max<int64_t>(stats.records_read, 1));
  state.counters["map_MB"] = static_cast<double>(stats.map_memory_bytes) / 1e6;
  state.counters["peak_rss_MB"] = static_cast<double>(peak_rss_bytes()) / 1e6;
}

BENCHMARK(BM_CleanLog)
    ->ArgNames({"records", "keys", "codec"})
    ->Args({300'000, 1'000, 0})
    ->Args({300'000, 100'000, 0})
    ->Args({300'000, 300'000, 0})
    ->Args({300'000, 100'000, 4})
    ->Args({300'000, 100'000, 3})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

}  // namespace
}  // namespace gregor::storage

BENCHMARK_MAIN();
