// Record batch validation (what the broker checks on every produced batch: header, sizes, CRC32C)
// and CRC32C alone, through the SSE4.2 instruction and through the slicing-by-8 table that
// machines without it use. Results: docs/performance.md, "Microbenchmarks".
//
//   bin/batch_bench
#include <benchmark/benchmark.h>

#include "bench_batches.h"
#include "common/crc32c.h"
#include "protocol/record_batch.h"

namespace gregor {
namespace {

constexpr int64_t kKiB = 1 << 10;
constexpr int64_t kMiB = 1 << 20;

// Arg: approximate batch bytes.
void BM_ValidateBatch(benchmark::State& state) {
  const std::vector<uint8_t> batch = bench::make_batch(static_cast<size_t>(state.range(0)));
  std::vector<protocol::BatchHeader> headers;
  for (auto _ : state) {
    ErrorCode err = protocol::validate_batches(batch, {.max_batch_bytes = 2 << 20}, headers);
    benchmark::DoNotOptimize(err);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.SetItemsProcessed(state.iterations());  // batches
}
BENCHMARK(BM_ValidateBatch)->ArgName("bytes")->Arg(kKiB)->Arg(kMiB);

template <uint32_t (*Crc)(const void*, size_t, uint32_t)>
void BM_Crc32c(benchmark::State& state) {
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    uint32_t crc = Crc(data.data(), data.size(), 0);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK_TEMPLATE(BM_Crc32c, crc32c_internal::software)->ArgName("bytes")->Arg(kKiB)->Arg(kMiB);

void BM_Crc32cSse42(benchmark::State& state) {
  if (!crc32c_internal::hardware_available()) {
    state.SkipWithError("no SSE4.2 on this CPU");
    return;
  }
  BM_Crc32c<crc32c_internal::hardware>(state);
}
BENCHMARK(BM_Crc32cSse42)->ArgName("bytes")->Arg(kKiB)->Arg(kMiB);

}  // namespace
}  // namespace gregor

BENCHMARK_MAIN();
