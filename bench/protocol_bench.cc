// Request decode and encode on the produce and fetch paths: the per-request protocol work of the
// broker, without the network or the log. Bytes/s count the records carried (what a client sends
// or receives); items/s count partitions. Results: docs/performance.md, "Microbenchmarks".
//
//   bin/protocol_bench
#include <benchmark/benchmark.h>

#include "bench_batches.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/produce.h"
#include "protocol/record_batch.h"
#include "protocol/request_header.h"

namespace gregor::protocol {
namespace {

constexpr int16_t kProduceVersion = 9;  // the newest: flexible (compact) encoding
constexpr int16_t kFetchVersion = 12;
constexpr size_t kRequestBytes = 1 << 20;

// A produce request for one topic spread over `partitions` partitions, each holding one batch of
// about kRequestBytes / partitions. `batches` owns the bytes the request points into.
ProduceRequest make_produce(int partitions, std::vector<std::vector<uint8_t>>& batches) {
  ProduceRequest request;
  request.acks = 1;
  request.timeout_ms = 30'000;
  auto& topic = request.topic_data.emplace_back();
  topic.name = "bench-topic";
  for (int p = 0; p < partitions; ++p) {
    batches.push_back(bench::make_batch(kRequestBytes / static_cast<size_t>(partitions)));
    auto& data = topic.partition_data.emplace_back();
    data.index = p;
    data.records = Records::of(ByteView(batches.back()));
  }
  return request;
}

int64_t records_bytes(const ProduceRequest& request) {
  int64_t bytes = 0;
  for (const auto& topic : request.topic_data) {
    for (const auto& data : topic.partition_data)
      bytes += static_cast<int64_t>(data.records.size());
  }
  return bytes;
}

void count(benchmark::State& state, int64_t bytes_per_iteration, int64_t partitions) {
  state.SetBytesProcessed(state.iterations() * bytes_per_iteration);
  state.SetItemsProcessed(state.iterations() * partitions);
}

// Arg: partitions. What the broker does with a produce frame before the log: header, body
// (records stay views into the frame), then validate_batches on every partition's records.
void BM_ProduceRequestDecodeValidate(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> batches;
  const ProduceRequest request = make_produce(static_cast<int>(state.range(0)), batches);
  Writer frame;
  begin_request(frame, {.api_key = ProduceRequest::kApiKey, .api_version = kProduceVersion},
                /*flexible=*/true);
  request.encode(frame, kProduceVersion);
  std::vector<BatchHeader> headers;
  for (auto _ : state) {
    Reader in(ByteView(frame.bytes()).subspan(4));  // past the frame's size
    RequestHeader header;
    read_header_prefix(in, header);
    read_header_rest(in, header, /*flexible=*/true);
    ProduceRequest decoded;
    decoded.decode(in, header.api_version);
    for (const auto& topic : decoded.topic_data) {
      for (const auto& data : topic.partition_data) {
        ErrorCode err = validate_batches(data.records.bytes, {.max_batch_bytes = 2 << 20}, headers);
        benchmark::DoNotOptimize(err);
      }
    }
  }
  count(state, records_bytes(request), state.range(0));
}
BENCHMARK(BM_ProduceRequestDecodeValidate)->ArgName("partitions")->Arg(1)->Arg(100);

// Arg: partitions. A client's side of the same request: encoding copies every batch.
void BM_ProduceRequestEncode(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> batches;
  const ProduceRequest request = make_produce(static_cast<int>(state.range(0)), batches);
  for (auto _ : state) {
    Writer out;
    request.encode(out, kProduceVersion);
    benchmark::DoNotOptimize(out.bytes().data());
  }
  count(state, records_bytes(request), state.range(0));
}
BENCHMARK(BM_ProduceRequestEncode)->ArgName("partitions")->Arg(1)->Arg(100);

// Arg: partitions. The broker's fetch response: every partition's records are a file slice,
// spliced in by sendfile, so encoding writes only the headers (1 MB of slices in total).
void BM_FetchResponseEncode(benchmark::State& state) {
  const auto partitions = static_cast<int32_t>(state.range(0));
  const auto slice_bytes = static_cast<int32_t>(kRequestBytes / static_cast<size_t>(partitions));
  FetchResponse response;
  auto& topic = response.responses.emplace_back();
  topic.topic = "bench-topic";
  for (int32_t p = 0; p < partitions; ++p) {
    auto& data = topic.partitions.emplace_back();
    data.partition_index = p;
    data.high_watermark = data.last_stable_offset = 1'000'000;
    data.log_start_offset = 0;
    data.aborted_transactions.emplace();
    data.records = Records::of(FileSlice{nullptr, 0, slice_bytes});
  }
  for (auto _ : state) {
    Writer out;
    begin_response(out, /*correlation_id=*/7, /*flexible_header=*/true);
    response.encode(out, kFetchVersion);
    finish_frame(out);
    benchmark::DoNotOptimize(out.bytes().data());
  }
  count(state, int64_t{slice_bytes} * partitions, partitions);
}
BENCHMARK(BM_FetchResponseEncode)->ArgName("partitions")->Arg(1)->Arg(100);

}  // namespace
}  // namespace gregor::protocol

BENCHMARK_MAIN();
