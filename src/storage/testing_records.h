// Test helpers for compaction tests only (header-only, like testing_batches.h): logs of keyed
// records built with protocol::encode_batch, and reading a whole log back as records.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/records.h"
#include "storage/log.h"
#include "storage/testing_batches.h"

namespace gregor::storage::testing {

using protocol::Compression;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

using KeyValue = std::pair<std::string, std::optional<std::string>>;  // nullopt: tombstone
using Entry = std::tuple<int64_t, std::string, std::optional<std::string>>;

inline protocol::ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string string_of(protocol::ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline LogConfig compacted_config() {
  LogConfig config;
  config.segment_bytes = 100;  // one small batch per segment
  config.index_interval_bytes = 64;
  config.segment_index_bytes = 4096;
  config.cleanup_policy = "compact";
  config.delete_retention_ms = kHour;
  return config;
}

inline std::shared_ptr<Log> open_log(const std::string& dir, const LogConfig& config) {
  auto opened = Log::open(dir, config, false, 0);
  EXPECT_EQ(opened.error, ErrorCode::kNone);
  return opened.log;
}

// Appends one batch of `records` with timestamp `ts`.
inline void append(Log& log, const std::vector<KeyValue>& records, int64_t ts = kNow - 2 * kHour,
                   Compression codec = Compression::kNone) {
  std::vector<protocol::RecordInput> inputs;
  for (const auto& [key, value] : records) {
    protocol::RecordInput input;
    input.timestamp = ts;
    input.key = bytes_of(key);
    if (value) input.value = bytes_of(*value);
    inputs.push_back(input);
  }
  std::vector<uint8_t> batch;
  ASSERT_EQ(protocol::encode_batch(inputs, {.compression = codec}, batch), ErrorCode::kNone);
  std::vector<protocol::BatchHeader> headers{*protocol::parse_batch_header(batch)};
  ASSERT_EQ(log.append(batch, headers, 0, kNow).error, ErrorCode::kNone);
}

// Every record from the log start, in order, and the codecs of the batches.
inline std::vector<Entry> read_all(const Log& log, std::vector<Compression>* codecs = nullptr) {
  std::vector<Entry> out;
  int64_t offset = log.log_start_offset();
  std::vector<uint8_t> scratch;
  while (offset < log.log_end_offset()) {
    auto result = log.read(offset, 1 << 20, true, log.log_end_offset());
    if (!result.slice) break;
    auto bytes = read_slice(*result.slice);
    for (const auto& header : testing::parse_all(bytes)) {
      protocol::ByteView batch(bytes.data(), header.total_size());
      if (codecs) codecs->push_back(header.compression());
      protocol::for_each_record(batch, scratch, 1 << 20, [&](const protocol::RecordView& r) {
        out.emplace_back(r.offset, string_of(*r.key),
                         r.value ? std::optional(string_of(*r.value)) : std::nullopt);
      });
      offset = header.last_offset() + 1;
      bytes.erase(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(header.total_size()));
    }
  }
  return out;
}

}  // namespace gregor::storage::testing
