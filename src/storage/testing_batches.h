// Test helpers for src/storage tests only (no .cc: nothing here is linked into gregor_storage).
// Builds valid RecordBatch v2 payloads of uncompressed records with a correct CRC32C, and a
// temporary directory removed at the end of the test.
//
//   TempDir dir;
//   auto payload = make_batches(/*batches=*/3, /*records=*/10, /*timestamp=*/1000);
//   log->append(payload.bytes, payload.headers, /*leader_epoch=*/0, now);
#pragma once

#include "common/temp_dir.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"
#include "storage/log_config.h"

namespace gregor::storage::testing {

// One record: length, attributes, timestamp delta, offset delta, null key, value, no headers.
inline void append_record(protocol::Writer& out, int32_t index, size_t value_size) {
  protocol::Writer body;
  body.i8(0);
  body.varlong(index);  // timestamp delta: record i is at first_timestamp + i
  body.varint(index);   // offset delta
  body.varint(-1);      // null key
  std::string value = "v" + std::to_string(index);
  value.resize(std::max(value_size, value.size()), 'x');
  body.varint(static_cast<int32_t>(value.size()));
  body.raw(value.data(), value.size());
  body.varint(0);  // no headers
  out.varint(static_cast<int32_t>(body.bytes().size()));
  out.raw(body.bytes().data(), body.bytes().size());
}

// A valid uncompressed v2 batch of `records` records (base offset 0, CreateTime, record i at
// timestamp first_timestamp + i), CRC32C computed over attributes onwards.
inline std::vector<uint8_t> make_batch(int32_t records, int64_t first_timestamp,
                                       size_t value_size = 16) {
  protocol::Writer out;
  out.bytes().resize(protocol::kBatchHeaderSize);
  for (int32_t i = 0; i < records; ++i)
    append_record(out, i, value_size);
  std::vector<uint8_t> batch = std::move(out.bytes());
  protocol::BatchHeader header;
  header.base_offset = 0;
  header.batch_length = static_cast<int32_t>(batch.size() - protocol::kLogOverhead);
  header.last_offset_delta = records - 1;
  header.first_timestamp = first_timestamp;
  header.max_timestamp = first_timestamp + records - 1;
  header.record_count = records;
  protocol::write_batch_header(header, batch);
  // The CRC field is at byte 17; it covers bytes [21, end).
  const uint32_t crc =
      crc32c(batch.data() + protocol::kCrcStart, batch.size() - protocol::kCrcStart);
  for (int i = 0; i < 4; ++i)
    batch[17 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return batch;
}

struct Payload {
  std::vector<uint8_t> bytes;
  std::vector<protocol::BatchHeader> headers;
};

// `batches` batches of `records` records back to back; batch b starts at timestamp
// `timestamp + b * records`, so max timestamps increase with offsets.
inline Payload make_batches(int batches, int32_t records, int64_t timestamp,
                            size_t value_size = 16) {
  Payload payload;
  for (int b = 0; b < batches; ++b) {
    auto batch = make_batch(records, timestamp + int64_t{b} * records, value_size);
    payload.headers.push_back(*protocol::parse_batch_header(batch));
    payload.bytes.insert(payload.bytes.end(), batch.begin(), batch.end());
  }
  return payload;
}

// Reads a file region (a FileSlice) back into memory.
inline std::vector<uint8_t> read_slice(const protocol::FileSlice& slice) {
  std::vector<uint8_t> bytes(static_cast<size_t>(slice.size));
  const ssize_t n = ::pread(slice.file->fd(), bytes.data(), bytes.size(), slice.offset);
  bytes.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return bytes;
}

// The headers of the batches in `bytes`, in order (stops at the first incomplete one).
inline std::vector<protocol::BatchHeader> parse_all(protocol::ByteView bytes) {
  std::vector<protocol::BatchHeader> headers;
  while (auto header = protocol::parse_batch_header(bytes)) {
    if (header->total_size() > bytes.size()) break;
    headers.push_back(*header);
    bytes = bytes.subspan(header->total_size());
  }
  return headers;
}

// Segments of 1 KiB with small indexes: a few appends roll, and index entries come often.
inline LogConfig tiny_log_config() {
  LogConfig config;
  config.segment_bytes = 1024;
  config.index_interval_bytes = 128;
  config.segment_index_bytes = 4096;
  return config;
}

// A fresh directory, removed with everything in it on destruction.
class TempDir : public gregor::TempDir {
 public:
  TempDir() : gregor::TempDir("gregor-storage") {}
};

}  // namespace gregor::storage::testing
