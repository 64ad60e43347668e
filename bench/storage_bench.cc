// The log's hot paths in the page cache (no fsync): appending 16 KB batches to a Log, reading
// from it as a fetch does, and the offset and time index lookups behind both. Results:
// docs/performance.md, "Microbenchmarks".
//
//   bin/storage_bench
#include <filesystem>
#include <random>

#include <benchmark/benchmark.h>

#include "bench_batches.h"
#include "storage/log.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace gregor::storage {
namespace {

constexpr size_t kBatchBytes = 16 << 10;
constexpr int64_t kNow = bench::kFirstTimestamp;
constexpr int32_t kFetchBytes = 1 << 20;  // librdkafka's default max.partition.fetch.bytes

// A log in a fresh temporary directory, removed with it.
class TempLog {
 public:
  explicit TempLog(int32_t segment_bytes) : dir_(bench::temp_dir()) {
    LogConfig config;
    config.segment_bytes = segment_bytes;
    log_ = Log::open(dir_ + "/bench-0", config, false, 0).log;
  }
  ~TempLog() {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  TempLog(const TempLog&) = delete;
  TempLog& operator=(const TempLog&) = delete;

  Log& log() { return *log_; }

  // Appends `count` copies of `batch`; false on an error.
  bool fill(std::vector<uint8_t>& batch, int64_t count) {
    const std::vector<protocol::BatchHeader> headers{*protocol::parse_batch_header(batch)};
    for (int64_t i = 0; i < count; ++i) {
      if (log_->append(batch, headers, 0, kNow).error != ErrorCode::kNone) return false;
    }
    return true;
  }

 private:
  std::string dir_;
  std::shared_ptr<Log> log_;
};

// One 16 KB batch per iteration into a log with 64 MB segments: pwrite, index entries, rolls.
void BM_LogAppend(benchmark::State& state) {
  TempLog temp(64 << 20);
  std::vector<uint8_t> batch = bench::make_batch(kBatchBytes);
  for (auto _ : state) {
    if (!temp.fill(batch, 1)) return state.SkipWithError("append failed");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.SetItemsProcessed(state.iterations());  // batches
}
BENCHMARK(BM_LogAppend)->Iterations(16384);  // 256 MB: four segments

// A fetch of up to 1 MB from a random offset of a 64 MB segment. Arg batch_bytes: the size of
// its batches (a producer that batches little writes 1 KB ones). Arg hw_at_end 1: the high
// watermark is the log end (a consumer catching up); 0: it is one batch short of the end, so the
// read cannot take the fast path to the end and must find where to stop.
void BM_LogRead(benchmark::State& state) {
  TempLog temp(1 << 30);
  std::vector<uint8_t> batch = bench::make_batch(static_cast<size_t>(state.range(0)));
  const int64_t batches = (64 << 20) / static_cast<int64_t>(batch.size());
  if (!temp.fill(batch, batches)) return state.SkipWithError("append failed");
  const int64_t end = temp.log().log_end_offset();
  const int64_t records_per_batch = end / batches;
  const int64_t high_watermark = state.range(1) ? end : end - records_per_batch;
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> offsets(0, end - kFetchBytes / 100);
  int64_t bytes = 0;
  for (auto _ : state) {
    ReadResult result = temp.log().read(offsets(random), kFetchBytes, true, high_watermark);
    if (result.slice) bytes += result.slice->size;
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());  // fetches
}
BENCHMARK(BM_LogRead)
    ->ArgNames({"batch_bytes", "hw_at_end"})
    ->Args({16 << 10, 1})
    ->Args({16 << 10, 0})
    ->Args({1 << 10, 1})
    ->Args({1 << 10, 0});

constexpr int64_t kIndexBytes = 10 << 20;  // segment.index.bytes' default

// Fills a fresh index of kIndexBytes in a temporary directory with `fill(index, entries)`, then
// measures lookups of random targets in [first_target, first_target + entries * step].
template <typename Index, typename Fill>
void bench_lookups(benchmark::State& state, const char* file_name, int64_t entries, Fill fill,
                   int64_t first_target, int64_t step) {
  const std::string dir = bench::temp_dir();
  auto index = Index::open(dir + "/" + file_name, 0, kIndexBytes);
  for (int64_t i = 0; i < entries; ++i)
    fill(*index, i);
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> targets(first_target, first_target + entries * step);
  for (auto _ : state)
    benchmark::DoNotOptimize(index->lookup(targets(random)));
  state.SetItemsProcessed(state.iterations());
  state.counters["entries"] = static_cast<double>(entries);
  index.reset();
  std::filesystem::remove_all(dir);
}

// A full offset index (1.3 M entries): 40 records of 100 bytes per 4 KB index interval.
void BM_OffsetIndexLookup(benchmark::State& state) {
  bench_lookups<OffsetIndex>(
      state, "0.index", kIndexBytes / OffsetIndex::kEntrySize,
      [](OffsetIndex& index, int64_t i) { index.append(i * 40, i * 4096); }, 0, 40);
}
BENCHMARK(BM_OffsetIndexLookup);

// A full time index (873 K entries; the last slot is kept for the roll), lookups by timestamp.
void BM_TimeIndexLookup(benchmark::State& state) {
  bench_lookups<TimeIndex>(
      state, "0.timeindex", kIndexBytes / TimeIndex::kEntrySize - 1,
      [](TimeIndex& index, int64_t i) { index.maybe_append(kNow + i * 10, i * 40); }, kNow, 10);
}
BENCHMARK(BM_TimeIndexLookup);

}  // namespace
}  // namespace gregor::storage

BENCHMARK_MAIN();
