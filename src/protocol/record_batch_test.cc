#include "protocol/record_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "protocol/records.h"

namespace gregor::protocol {
namespace {

ByteView bytes_of(const std::string& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// A valid three-record batch.
std::vector<uint8_t> make_batch(Compression codec = Compression::kNone, int64_t base = 0) {
  static const std::string kValues[] = {"alpha", "beta", "gamma"};
  std::vector<RecordInput> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back({.timestamp = 1000 + i, .key = std::nullopt, .value = bytes_of(kValues[i])});
  }
  std::vector<uint8_t> out;
  EXPECT_EQ(encode_batch(records, {.compression = codec, .base_offset = base}, out),
            ErrorCode::kNone);
  return out;
}

// Rewrites header fields of `batch` and fixes the CRC, to build batches that are wrong on purpose
// in one way only.
template <typename Fn>
void patch_header(std::vector<uint8_t>& batch, Fn&& fn) {
  BatchHeader header = *parse_batch_header(batch);
  fn(header);
  write_batch_header(header, batch);
  update_batch_crc(batch);
}

constexpr ValidationLimits kLimits{1 << 20};

ErrorCode validate(ByteView payload, ValidationLimits limits = kLimits) {
  std::vector<BatchHeader> headers;
  return validate_batches(payload, limits, headers);
}

TEST(RecordBatchTest, ParsesHeaderFields) {
  std::vector<RecordInput> records(2);
  records[0].timestamp = 50;
  records[1].timestamp = 40;
  std::vector<uint8_t> batch;
  BatchOptions options{.compression = Compression::kLz4,
                       .base_offset = 1234567890123,
                       .partition_leader_epoch = 9,
                       .timestamp_type = TimestampType::kLogAppendTime,
                       .producer_id = 77,
                       .producer_epoch = 3,
                       .base_sequence = 11,
                       .transactional = true,
                       .control = true};
  ASSERT_EQ(encode_batch(records, options, batch), ErrorCode::kNone);
  std::optional<BatchHeader> h = parse_batch_header(batch);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->base_offset, 1234567890123);
  EXPECT_EQ(h->total_size(), batch.size());
  EXPECT_EQ(h->partition_leader_epoch, 9);
  EXPECT_EQ(h->magic, 2);
  EXPECT_EQ(h->crc, crc32c(batch.data() + 21, batch.size() - 21));
  EXPECT_EQ(h->compression(), Compression::kLz4);
  EXPECT_EQ(h->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_TRUE(h->is_transactional());
  EXPECT_TRUE(h->is_control());
  EXPECT_EQ(h->last_offset_delta, 1);
  EXPECT_EQ(h->last_offset(), 1234567890124);
  EXPECT_EQ(h->first_timestamp, 50);
  EXPECT_EQ(h->max_timestamp, 50);
  EXPECT_EQ(h->producer_id, 77);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 11);
  EXPECT_EQ(h->record_count, 2);
}

TEST(RecordBatchTest, FieldsAreBigEndianAtKafkaPositions) {
  std::vector<uint8_t> batch = make_batch(Compression::kNone, 0x0102030405060708);
  EXPECT_EQ(batch[0], 0x01);
  EXPECT_EQ(batch[7], 0x08);
  const auto length = load_big_endian<uint32_t>(batch.data() + 8);
  EXPECT_EQ(length, batch.size() - 12);
  EXPECT_EQ(batch[16], 2);  // magic
  EXPECT_EQ(batch[60], 3);  // low byte of the record count
  EXPECT_EQ(batch[26], 2);  // low byte of lastOffsetDelta
}

TEST(RecordBatchTest, ParseRejectsShortInput) {
  std::vector<uint8_t> batch = make_batch();
  EXPECT_FALSE(parse_batch_header(ByteView(batch.data(), kBatchHeaderSize - 1)));
  EXPECT_TRUE(parse_batch_header(ByteView(batch.data(), kBatchHeaderSize)));
  patch_header(batch, [](BatchHeader& h) { h.batch_length = 48; });
  EXPECT_FALSE(parse_batch_header(batch));
}

TEST(RecordBatchTest, AcceptsGoodBatches) {
  for (Compression codec : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    EXPECT_EQ(validate(make_batch(codec)), ErrorCode::kNone) << static_cast<int>(codec);
  }
}

TEST(RecordBatchTest, AcceptsTwoBatchesBackToBack) {
  std::vector<uint8_t> payload = make_batch();
  std::vector<uint8_t> second = make_batch(Compression::kZstd, 3);
  payload.insert(payload.end(), second.begin(), second.end());
  std::vector<BatchHeader> headers = {BatchHeader{}, BatchHeader{}, BatchHeader{}};
  ASSERT_EQ(validate_batches(payload, kLimits, headers), ErrorCode::kNone);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].compression(), Compression::kNone);
  EXPECT_EQ(headers[1].compression(), Compression::kZstd);
  EXPECT_EQ(headers[1].base_offset, 3);
}

TEST(RecordBatchTest, RejectsBadCrc) {
  std::vector<uint8_t> batch = make_batch();
  batch.back() ^= 1;
  EXPECT_FALSE(batch_crc_ok(batch));
  EXPECT_EQ(validate(batch), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsTruncatedPayloads) {
  std::vector<uint8_t> batch = make_batch();
  for (size_t n : {size_t{0}, size_t{1}, size_t{11}, size_t{12}, size_t{20}, kBatchHeaderSize,
                   batch.size() - 1}) {
    EXPECT_EQ(validate(ByteView(batch.data(), n)), ErrorCode::kCorruptMessage) << n;
  }
  EXPECT_FALSE(batch_crc_ok(ByteView(batch.data(), batch.size() - 1)));
}

TEST(RecordBatchTest, RejectsTrailingBytes) {
  std::vector<uint8_t> batch = make_batch();
  batch.push_back(0);
  EXPECT_EQ(validate(batch), ErrorCode::kCorruptMessage);
  batch.resize(batch.size() + 60, 0);  // a partial second batch
  EXPECT_EQ(validate(batch), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsBadLengths) {
  std::vector<uint8_t> batch = make_batch();
  patch_header(batch, [](BatchHeader& h) { h.batch_length = -5; });
  EXPECT_EQ(validate(batch), ErrorCode::kCorruptMessage);
  batch = make_batch();
  patch_header(batch, [](BatchHeader& h) { h.batch_length = 40; });
  EXPECT_EQ(validate(batch), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsBatchLargerThanLimit) {
  std::vector<uint8_t> batch = make_batch();
  auto size = static_cast<int32_t>(batch.size());
  EXPECT_EQ(validate(batch, {size}), ErrorCode::kNone);
  EXPECT_EQ(validate(batch, {size - 1}), ErrorCode::kMessageTooLarge);
}

TEST(RecordBatchTest, RejectsUnknownCodec) {
  std::vector<uint8_t> batch = make_batch();
  patch_header(batch, [](BatchHeader& h) { h.attributes = (h.attributes & ~7) | 6; });
  EXPECT_EQ(validate(batch), ErrorCode::kUnsupportedCompressionType);
}

TEST(RecordBatchTest, RejectsOldMagic) {
  std::vector<uint8_t> batch = make_batch();
  batch[16] = 1;
  EXPECT_EQ(validate(batch), ErrorCode::kUnsupportedForMessageFormat);
  // A v0 message is shorter than a v2 header; its magic is still found at byte 16.
  std::vector<uint8_t> v0 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 1,
                             2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0};
  EXPECT_EQ(validate(v0), ErrorCode::kUnsupportedForMessageFormat);
}

TEST(RecordBatchTest, RejectsInconsistentCounts) {
  std::vector<uint8_t> batch = make_batch();
  patch_header(batch, [](BatchHeader& h) { h.last_offset_delta = 5; });
  EXPECT_EQ(validate(batch), ErrorCode::kInvalidRecord);
  batch = make_batch();
  patch_header(batch, [](BatchHeader& h) { h.record_count = -1; });
  EXPECT_EQ(validate(batch), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, FailureClearsHeaders) {
  std::vector<uint8_t> payload = make_batch();
  std::vector<uint8_t> bad = make_batch();
  bad.back() ^= 1;
  payload.insert(payload.end(), bad.begin(), bad.end());
  std::vector<BatchHeader> headers;
  EXPECT_EQ(validate_batches(payload, kLimits, headers), ErrorCode::kCorruptMessage);
  EXPECT_TRUE(headers.empty());
}

TEST(RecordBatchTest, AssignOffsetsKeepsCrcValid) {
  std::vector<uint8_t> batch = make_batch(Compression::kSnappy);
  assign_offsets(batch, 5000, 17);
  EXPECT_TRUE(batch_crc_ok(batch));
  BatchHeader h = *parse_batch_header(batch);
  EXPECT_EQ(h.base_offset, 5000);
  EXPECT_EQ(h.partition_leader_epoch, 17);
  EXPECT_EQ(h.last_offset(), 5002);
  EXPECT_EQ(validate(batch), ErrorCode::kNone);
}

TEST(RecordBatchTest, SetLogAppendTimeRecomputesCrc) {
  std::vector<uint8_t> batch = make_batch(Compression::kGzip);
  uint32_t before = parse_batch_header(batch)->crc;
  set_log_append_time(batch, 99999);
  EXPECT_TRUE(batch_crc_ok(batch));
  BatchHeader h = *parse_batch_header(batch);
  EXPECT_NE(h.crc, before);
  EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h.compression(), Compression::kGzip);
  EXPECT_EQ(h.max_timestamp, 99999);
  EXPECT_EQ(h.first_timestamp, 1000);  // the producer's create time stays, as in Kafka
  std::vector<uint8_t> scratch;
  ErrorCode err = for_each_record(batch, scratch, 1 << 20, [](const RecordView& record) {
    EXPECT_EQ(record.timestamp, 99999);
  });
  EXPECT_EQ(err, ErrorCode::kNone);
}

TEST(RecordBatchTest, RewritesIgnoreShortBuffers) {
  std::vector<uint8_t> tiny(10, 0);
  assign_offsets(tiny, 1, 1);
  set_log_append_time(tiny, 1);
  EXPECT_EQ(tiny, std::vector<uint8_t>(10, 0));
}

}  // namespace
}  // namespace gregor::protocol
