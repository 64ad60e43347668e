#include "protocol/record_batch.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"

namespace gregor::protocol {
namespace {

// Byte positions of the v2 header fields (Kafka's DefaultRecordBatch).
constexpr size_t kBaseOffsetAt = 0;
constexpr size_t kBatchLengthAt = 8;
constexpr size_t kLeaderEpochAt = 12;
constexpr size_t kMagicAt = 16;
constexpr size_t kCrcAt = 17;
constexpr size_t kAttributesAt = 21;
constexpr size_t kLastOffsetDeltaAt = 23;
constexpr size_t kFirstTimestampAt = 27;
constexpr size_t kMaxTimestampAt = 35;
constexpr size_t kProducerIdAt = 43;
constexpr size_t kProducerEpochAt = 51;
constexpr size_t kBaseSequenceAt = 53;
constexpr size_t kRecordCountAt = 57;
static_assert(kRecordCountAt + 4 == kBatchHeaderSize);
static_assert(kAttributesAt == kCrcStart);

constexpr int32_t kMinBatchLength = static_cast<int32_t>(kBatchHeaderSize - kLogOverhead);

uint32_t compute_crc(ByteView batch, size_t total) {
  return crc32c(batch.data() + kCrcStart, total - kCrcStart);
}

// Checks one batch at the front of `rest`; on success `header` holds it.
ErrorCode validate_one(ByteView rest, const ValidationLimits& limits, BatchHeader& header) {
  if (rest.size() < kLogOverhead) return ErrorCode::kCorruptMessage;
  int32_t batch_length = load_big_endian<int32_t>(rest.data() + kBatchLengthAt);
  if (batch_length < 0 || kLogOverhead + static_cast<size_t>(batch_length) > rest.size()) {
    return ErrorCode::kCorruptMessage;  // truncated, or a length no payload can hold
  }
  // Older formats keep the magic byte at the same position, so check it before the v2 layout.
  if (batch_length <= static_cast<int32_t>(kMagicAt - kLogOverhead)) {
    return ErrorCode::kCorruptMessage;
  }
  if (static_cast<int8_t>(rest[kMagicAt]) != kMagicV2) {
    return ErrorCode::kUnsupportedForMessageFormat;
  }
  std::optional<BatchHeader> parsed = parse_batch_header(rest);
  if (!parsed) return ErrorCode::kCorruptMessage;
  header = *parsed;
  if (header.total_size() > static_cast<size_t>(std::max(limits.max_batch_bytes, 0))) {
    return ErrorCode::kMessageTooLarge;
  }
  if (!batch_crc_ok(rest)) return ErrorCode::kCorruptMessage;
  if ((header.attributes & kCompressionMask) > static_cast<int16_t>(Compression::kZstd)) {
    return ErrorCode::kUnsupportedCompressionType;
  }
  if (header.record_count < 0) return ErrorCode::kInvalidRecord;
  if (header.record_count > 0 && header.last_offset_delta != header.record_count - 1) {
    return ErrorCode::kInvalidRecord;
  }
  if (header.last_offset_delta < 0) return ErrorCode::kInvalidRecord;
  return ErrorCode::kNone;
}

}  // namespace

std::optional<BatchHeader> parse_batch_header(ByteView data) {
  if (data.size() < kBatchHeaderSize) return std::nullopt;
  const uint8_t* p = data.data();
  BatchHeader h;
  h.batch_length = load_big_endian<int32_t>(p + kBatchLengthAt);
  if (h.batch_length < kMinBatchLength) return std::nullopt;
  h.base_offset = load_big_endian<int64_t>(p + kBaseOffsetAt);
  h.partition_leader_epoch = load_big_endian<int32_t>(p + kLeaderEpochAt);
  h.magic = load_big_endian<int8_t>(p + kMagicAt);
  h.crc = load_big_endian<uint32_t>(p + kCrcAt);
  h.attributes = load_big_endian<int16_t>(p + kAttributesAt);
  h.last_offset_delta = load_big_endian<int32_t>(p + kLastOffsetDeltaAt);
  h.first_timestamp = load_big_endian<int64_t>(p + kFirstTimestampAt);
  h.max_timestamp = load_big_endian<int64_t>(p + kMaxTimestampAt);
  h.producer_id = load_big_endian<int64_t>(p + kProducerIdAt);
  h.producer_epoch = load_big_endian<int16_t>(p + kProducerEpochAt);
  h.base_sequence = load_big_endian<int32_t>(p + kBaseSequenceAt);
  h.record_count = load_big_endian<int32_t>(p + kRecordCountAt);
  return h;
}

void write_batch_header(const BatchHeader& h, std::span<uint8_t> out) {
  if (out.size() < kBatchHeaderSize) return;
  uint8_t* p = out.data();
  store_big_endian(p + kBaseOffsetAt, h.base_offset);
  store_big_endian(p + kBatchLengthAt, h.batch_length);
  store_big_endian(p + kLeaderEpochAt, h.partition_leader_epoch);
  store_big_endian(p + kMagicAt, h.magic);
  store_big_endian(p + kCrcAt, h.crc);
  store_big_endian(p + kAttributesAt, h.attributes);
  store_big_endian(p + kLastOffsetDeltaAt, h.last_offset_delta);
  store_big_endian(p + kFirstTimestampAt, h.first_timestamp);
  store_big_endian(p + kMaxTimestampAt, h.max_timestamp);
  store_big_endian(p + kProducerIdAt, h.producer_id);
  store_big_endian(p + kProducerEpochAt, h.producer_epoch);
  store_big_endian(p + kBaseSequenceAt, h.base_sequence);
  store_big_endian(p + kRecordCountAt, h.record_count);
}

bool batch_crc_ok(ByteView batch) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return false;
  return compute_crc(batch, h->total_size()) == h->crc;
}

void update_batch_crc(std::span<uint8_t> batch) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return;
  store_big_endian(batch.data() + kCrcAt, compute_crc(batch, h->total_size()));
}

ErrorCode validate_batches(ByteView payload, const ValidationLimits& limits,
                           std::vector<BatchHeader>& headers) {
  headers.clear();
  if (payload.empty()) return ErrorCode::kCorruptMessage;
  while (!payload.empty()) {
    BatchHeader header;
    ErrorCode err = validate_one(payload, limits, header);
    if (err != ErrorCode::kNone) {
      headers.clear();
      return err;
    }
    headers.push_back(header);
    payload = payload.subspan(header.total_size());
  }
  return ErrorCode::kNone;
}

void assign_offsets(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch) {
  if (batch.size() < kBatchHeaderSize) return;
  store_big_endian(batch.data() + kBaseOffsetAt, base_offset);
  store_big_endian(batch.data() + kLeaderEpochAt, leader_epoch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return;
  store_big_endian(batch.data() + kAttributesAt,
                   static_cast<int16_t>(h->attributes | kTimestampTypeBit));
  store_big_endian(batch.data() + kMaxTimestampAt, now_ms);
  update_batch_crc(batch);
}

}  // namespace gregor::protocol
