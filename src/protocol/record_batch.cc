#include "protocol/record_batch.h"

#include <algorithm>
#include <cstring>

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

template <typename T>
T load(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v = static_cast<U>((v << 8) | p[i]);
  return static_cast<T>(v);
}

template <typename T>
void store(uint8_t* p, T value) {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (size_t i = sizeof(T); i > 0; --i) {
    p[i - 1] = static_cast<uint8_t>(v & 0xff);
    v = static_cast<decltype(v)>(v >> 8);
  }
}

uint32_t compute_crc(ByteView batch, size_t total) {
  return crc32c(batch.data() + kCrcStart, total - kCrcStart);
}

// Checks one batch at the front of `rest`; on success `header` holds it.
ErrorCode validate_one(ByteView rest, const ValidationLimits& limits, BatchHeader& header) {
  if (rest.size() < kLogOverhead) return ErrorCode::kCorruptMessage;
  int32_t batch_length = load<int32_t>(rest.data() + kBatchLengthAt);
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
  h.batch_length = load<int32_t>(p + kBatchLengthAt);
  if (h.batch_length < kMinBatchLength) return std::nullopt;
  h.base_offset = load<int64_t>(p + kBaseOffsetAt);
  h.partition_leader_epoch = load<int32_t>(p + kLeaderEpochAt);
  h.magic = load<int8_t>(p + kMagicAt);
  h.crc = load<uint32_t>(p + kCrcAt);
  h.attributes = load<int16_t>(p + kAttributesAt);
  h.last_offset_delta = load<int32_t>(p + kLastOffsetDeltaAt);
  h.first_timestamp = load<int64_t>(p + kFirstTimestampAt);
  h.max_timestamp = load<int64_t>(p + kMaxTimestampAt);
  h.producer_id = load<int64_t>(p + kProducerIdAt);
  h.producer_epoch = load<int16_t>(p + kProducerEpochAt);
  h.base_sequence = load<int32_t>(p + kBaseSequenceAt);
  h.record_count = load<int32_t>(p + kRecordCountAt);
  return h;
}

void write_batch_header(const BatchHeader& h, std::span<uint8_t> out) {
  if (out.size() < kBatchHeaderSize) return;
  uint8_t* p = out.data();
  store(p + kBaseOffsetAt, h.base_offset);
  store(p + kBatchLengthAt, h.batch_length);
  store(p + kLeaderEpochAt, h.partition_leader_epoch);
  store(p + kMagicAt, h.magic);
  store(p + kCrcAt, h.crc);
  store(p + kAttributesAt, h.attributes);
  store(p + kLastOffsetDeltaAt, h.last_offset_delta);
  store(p + kFirstTimestampAt, h.first_timestamp);
  store(p + kMaxTimestampAt, h.max_timestamp);
  store(p + kProducerIdAt, h.producer_id);
  store(p + kProducerEpochAt, h.producer_epoch);
  store(p + kBaseSequenceAt, h.base_sequence);
  store(p + kRecordCountAt, h.record_count);
}

bool batch_crc_ok(ByteView batch) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return false;
  return compute_crc(batch, h->total_size()) == h->crc;
}

void update_batch_crc(std::span<uint8_t> batch) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return;
  store(batch.data() + kCrcAt, compute_crc(batch, h->total_size()));
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
  store(batch.data() + kBaseOffsetAt, base_offset);
  store(batch.data() + kLeaderEpochAt, leader_epoch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms) {
  std::optional<BatchHeader> h = parse_batch_header(batch);
  if (!h || h->total_size() > batch.size()) return;
  store(batch.data() + kAttributesAt, static_cast<int16_t>(h->attributes | kTimestampTypeBit));
  store(batch.data() + kMaxTimestampAt, now_ms);
  update_batch_crc(batch);
}

}  // namespace gregor::protocol
