// The records inside a v2 batch: a decoder (RecordIterator) and a builder (encode_batch). The
// broker's fetch path never looks inside a batch, nor does produce except to compacted topics
// (which need keys); this is for those, the log dump tool, compaction, the coordinators'
// internal topics and tests.
//
//   std::vector<uint8_t> scratch;  // reused across batches: holds decompressed records
//   RecordIterator it;
//   if (ErrorCode err = it.reset(batch, scratch, 64 << 20); err != ErrorCode::kNone) return err;
//   RecordView record;             // reused: its headers vector keeps its capacity
//   while (it.next(record)) use(record.offset, record.key, record.value);
//   if (it.error() != ErrorCode::kNone) return it.error();
//
// Record layout (Kafka's DefaultRecord): length varint, attributes int8, timestampDelta varlong,
// offsetDelta varint, key (varint length, -1 = null), value (same), header count varint, then
// per header a key (varint length, not null) and a value (varint length, -1 = null).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"

namespace gregor::protocol {

struct HeaderView {
  std::string_view key;
  std::optional<ByteView> value;
};

// One decoded record. Views point into the batch or the iterator's scratch buffer: valid until
// either changes.
struct RecordView {
  int64_t offset = 0;     // base_offset + offsetDelta
  int64_t timestamp = 0;  // max_timestamp for LogAppendTime batches, else first + delta
  std::optional<ByteView> key;
  std::optional<ByteView> value;
  std::vector<HeaderView> headers;
};

class RecordIterator {
 public:
  // Starts on `batch` (one whole batch, header included; the CRC is not checked here, see
  // batch_crc_ok). A compressed batch is decompressed into `scratch`, at most max_decompressed
  // bytes. Returns kCorruptMessage for a bad header, length or compressed payload (or one
  // decompressing past max_decompressed), kUnsupportedForMessageFormat for magic != 2,
  // kUnsupportedCompressionType for codecs 5-7.
  ErrorCode reset(ByteView batch, std::vector<uint8_t>& scratch, size_t max_decompressed);

  // Decodes the next record into `record`. False at the end or on the first malformed record
  // (bad varint, length past the end, fewer or more records than the header's count); then
  // error() says which.
  bool next(RecordView& record);

  ErrorCode error() const { return error_; }
  const BatchHeader& header() const { return header_; }

 private:
  bool fail();
  bool read_headers(Reader& in, RecordView& record);

  BatchHeader header_{};
  ByteView records_;  // the (decompressed) records section
  int32_t decoded_ = 0;
  ErrorCode error_ = ErrorCode::kCorruptMessage;  // until reset() succeeds
};

// Calls fn(const RecordView&) for every record of `batch`; stops at the first error.
template <typename Fn>
ErrorCode for_each_record(ByteView batch, std::vector<uint8_t>& scratch, size_t max_decompressed,
                          Fn&& fn) {
  RecordIterator it;
  if (ErrorCode err = it.reset(batch, scratch, max_decompressed); err != ErrorCode::kNone) {
    return err;
  }
  RecordView record;
  while (it.next(record))
    fn(static_cast<const RecordView&>(record));
  return it.error();
}

// Input of encode_batch.
struct RecordInput {
  int64_t timestamp = 0;
  std::optional<ByteView> key;
  std::optional<ByteView> value;
  std::span<const HeaderView> headers;
  // Offset relative to the batch's base offset; -1 means the record's index in the batch.
  // Compaction keeps original offsets, leaving gaps.
  int32_t offset_delta = -1;
};

struct BatchOptions {
  Compression compression = Compression::kNone;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // >= 0: the delete horizon (KIP-534) the cleaner gives a batch holding tombstones; stored as
  // the batch's first timestamp, with kDeleteHorizonBit set.
  int64_t delete_horizon_ms = -1;
};

// Replaces `out` with one v2 batch holding `records` (in order; offset deltas must increase),
// with a correct CRC. first_timestamp is the first record's timestamp (or the delete horizon) and
// max_timestamp the largest (-1 for both when empty). Returns kInvalidRecord for offset deltas that
// do not increase, kMessageTooLarge when the batch would not fit an int32 length.
ErrorCode encode_batch(std::span<const RecordInput> records, const BatchOptions& options,
                       std::vector<uint8_t>& out);

}  // namespace gregor::protocol
