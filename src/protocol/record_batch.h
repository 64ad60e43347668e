// Kafka's RecordBatch v2 (magic 2) header: parsing, produce-path validation and the two in-place
// rewrites the leader makes before appending. This is all the broker does per batch on the hot
// path; records inside a batch are decoded only by records.h (dump tools, compaction, tests).
// Layout and rationale: docs/formats/record-batch.md.
//
//   std::vector<BatchHeader> headers;
//   ErrorCode err = validate_batches(payload, {.max_batch_bytes = 1048588}, headers);
//   if (err != ErrorCode::kNone) return err;
//   for (const BatchHeader& h : headers) {              // batches lie back to back in payload
//     assign_offsets(batch_bytes, next_offset, epoch);  // outside the CRC: no recomputation
//     next_offset += h.last_offset_delta + 1;
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"

namespace gregor::protocol {

enum class Compression : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
enum class TimestampType : int8_t { kCreateTime = 0, kLogAppendTime = 1 };

inline constexpr size_t kLogOverhead = 12;      // baseOffset(8) + batchLength(4)
inline constexpr size_t kBatchHeaderSize = 61;  // full v2 header before the records
inline constexpr int8_t kMagicV2 = 2;
// The CRC covers bytes [kCrcStart, end of batch): attributes onwards. Everything before it
// (base offset, length, leader epoch, magic, the crc itself) can be rewritten without recomputing.
inline constexpr size_t kCrcStart = 21;

// Attribute bits.
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;
// Set by the log cleaner (KIP-534): first_timestamp then holds the batch's delete horizon, the
// time after which its tombstones may be removed, and record timestamps stay relative to it.
inline constexpr int16_t kDeleteHorizonBit = 0x40;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after the batchLength field
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t first_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  // Wraps instead of overflowing: base_offset is whatever the client sent until assign_offsets.
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset) +
                                static_cast<uint64_t>(int64_t{last_offset_delta}));
  }
  size_t total_size() const { return kLogOverhead + static_cast<size_t>(batch_length); }
  // Values 5-7 are not codecs; validate_batches rejects them.
  Compression compression() const {
    return static_cast<Compression>(attributes & kCompressionMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                            : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return (attributes & kTransactionalBit) != 0; }
  bool is_control() const { return (attributes & kControlBit) != 0; }
  bool has_delete_horizon() const { return (attributes & kDeleteHorizonBit) != 0; }
  // The first record's timestamp, unless the cleaner stored a delete horizon there.
  std::optional<int64_t> first_record_timestamp() const {
    if (has_delete_horizon()) return std::nullopt;
    return first_timestamp;
  }
};

// Parses the 61-byte header at the start of `data`; nullopt if fewer bytes or
// batch_length < 49 (kBatchHeaderSize - kLogOverhead). Checks neither magic nor CRC.
std::optional<BatchHeader> parse_batch_header(ByteView data);

// Writes `header` as the first kBatchHeaderSize bytes of `out` (which must be at least that
// long). The crc field is written as given; call update_batch_crc() once the records follow.
void write_batch_header(const BatchHeader& header, std::span<uint8_t> out);

// CRC32C over bytes [21, total_size) equals the stored crc. False when `batch` is shorter than
// its header says.
bool batch_crc_ok(ByteView batch);

// Recomputes and stores the crc of a complete batch (header + records).
void update_batch_crc(std::span<uint8_t> batch);

struct ValidationLimits {
  int32_t max_batch_bytes;  // message.max.bytes / max.message.bytes: whole batch incl. overhead
};

// Validates a produce payload (one or more batches back to back): sizes, magic == 2, CRC,
// attribute codec 0-4, record_count >= 0 and last_offset_delta == record_count - 1 (non-empty),
// batch fits the limit, no trailing bytes. Returns
//   kCorruptMessage               bad CRC, truncated or trailing bytes, bad lengths, empty payload
//   kUnsupportedForMessageFormat  magic != 2
//   kMessageTooLarge              a batch larger than limits.max_batch_bytes
//   kUnsupportedCompressionType   codec 5-7
//   kInvalidRecord                record_count < 0, or count and last_offset_delta disagree
// On success fills `headers` (cleared first) with one header per batch, in payload order.
ErrorCode validate_batches(ByteView payload, const ValidationLimits& limits,
                           std::vector<BatchHeader>& headers);

// Leader-side rewrite of a batch in place: base offset and partition leader epoch. Both are
// outside the CRC, so the batch stays valid. No-op if `batch` is shorter than a header.
void assign_offsets(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch);

// message.timestamp.type=LogAppendTime: sets the timestamp-type bit and max_timestamp = now_ms,
// then recomputes the CRC (both are inside it). first_timestamp is kept, as Kafka does: readers
// take every record's timestamp from max_timestamp when the bit is set, and the producer's
// create times stay recoverable. `batch` must be one whole batch; no-op if shorter than a header.
void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms);

}  // namespace gregor::protocol
