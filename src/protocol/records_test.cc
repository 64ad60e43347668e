#include "protocol/records.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace gregor::protocol {
namespace {

constexpr size_t kMaxOut = 16 << 20;

ByteView bytes_of(const std::string& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string string_of(ByteView v) {
  return std::string(v.begin(), v.end());
}

struct Decoded {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

ErrorCode decode_all(ByteView batch, std::vector<Decoded>& out) {
  out.clear();
  std::vector<uint8_t> scratch;
  return for_each_record(batch, scratch, kMaxOut, [&](const RecordView& r) {
    Decoded d{r.offset, r.timestamp, std::nullopt, std::nullopt, {}};
    if (r.key) d.key = string_of(*r.key);
    if (r.value) d.value = string_of(*r.value);
    for (const HeaderView& h : r.headers) {
      d.headers.emplace_back(std::string(h.key),
                             h.value ? std::optional(string_of(*h.value)) : std::nullopt);
    }
    out.push_back(std::move(d));
  });
}

class RecordsRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(RecordsRoundTrip, NullsHeadersAndTimestamps) {
  const std::string k1 = "key-1", v1 = "value-1", v3(100000, 'x'), hv = "trace-42";
  const HeaderView headers[] = {{"trace", bytes_of(hv)}, {"empty", std::nullopt}};
  std::vector<RecordInput> records = {
      {.timestamp = 5000, .key = bytes_of(k1), .value = bytes_of(v1)},
      {.timestamp = 4000, .key = std::nullopt, .value = bytes_of(v1), .headers = headers},
      {.timestamp = 6000, .key = bytes_of(k1), .value = std::nullopt},
      {.timestamp = 5500, .key = ByteView{}, .value = bytes_of(v3)},
  };
  std::vector<uint8_t> batch;
  BatchOptions options{.compression = GetParam(), .base_offset = 100};
  ASSERT_EQ(encode_batch(records, options, batch), ErrorCode::kNone);
  ASSERT_TRUE(batch_crc_ok(batch));
  BatchHeader h = *parse_batch_header(batch);
  EXPECT_EQ(h.compression(), GetParam());
  EXPECT_EQ(h.first_timestamp, 5000);
  EXPECT_EQ(h.max_timestamp, 6000);
  EXPECT_EQ(h.last_offset(), 103);

  std::vector<Decoded> got;
  ASSERT_EQ(decode_all(batch, got), ErrorCode::kNone);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].offset, 100);
  EXPECT_EQ(got[0].timestamp, 5000);
  EXPECT_EQ(got[0].key, k1);
  EXPECT_EQ(got[0].value, v1);
  EXPECT_TRUE(got[0].headers.empty());
  EXPECT_EQ(got[1].offset, 101);
  EXPECT_EQ(got[1].timestamp, 4000);  // negative delta
  EXPECT_EQ(got[1].key, std::nullopt);
  ASSERT_EQ(got[1].headers.size(), 2u);
  EXPECT_EQ(got[1].headers[0].first, "trace");
  EXPECT_EQ(got[1].headers[0].second, hv);
  EXPECT_EQ(got[1].headers[1].first, "empty");
  EXPECT_EQ(got[1].headers[1].second, std::nullopt);
  EXPECT_EQ(got[2].value, std::nullopt);
  EXPECT_EQ(got[3].key, std::string());  // empty, not null
  EXPECT_EQ(got[3].value, v3);
  EXPECT_EQ(got[3].offset, 103);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RecordsRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));

TEST(RecordsTest, EmptyBatch) {
  std::vector<uint8_t> batch;
  ASSERT_EQ(encode_batch({}, {}, batch), ErrorCode::kNone);
  EXPECT_EQ(batch.size(), kBatchHeaderSize);
  BatchHeader h = *parse_batch_header(batch);
  EXPECT_EQ(h.record_count, 0);
  EXPECT_EQ(h.max_timestamp, -1);
  std::vector<Decoded> got;
  EXPECT_EQ(decode_all(batch, got), ErrorCode::kNone);
  EXPECT_TRUE(got.empty());
}

TEST(RecordsTest, ExplicitOffsetDeltasLeaveGaps) {
  std::vector<RecordInput> records(3);
  records[0].offset_delta = 0;
  records[1].offset_delta = 4;
  records[2].offset_delta = 9;
  std::vector<uint8_t> batch;
  ASSERT_EQ(encode_batch(records, {.base_offset = 10}, batch), ErrorCode::kNone);
  EXPECT_EQ(parse_batch_header(batch)->last_offset(), 19);
  std::vector<Decoded> got;
  ASSERT_EQ(decode_all(batch, got), ErrorCode::kNone);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].offset, 14);
  EXPECT_EQ(got[2].offset, 19);
  records[2].offset_delta = 4;
  EXPECT_EQ(encode_batch(records, {}, batch), ErrorCode::kInvalidRecord);
}

TEST(RecordsTest, DeleteHorizonTakesTheFirstTimestampAndKeepsRecordTimes) {
  std::vector<RecordInput> records(2);
  records[0].timestamp = 1000;
  records[1].timestamp = 1500;
  std::vector<uint8_t> batch;
  ASSERT_EQ(encode_batch(records, {.delete_horizon_ms = 90000}, batch), ErrorCode::kNone);
  const BatchHeader header = *parse_batch_header(batch);
  EXPECT_TRUE(header.has_delete_horizon());
  EXPECT_EQ(header.attributes & kDeleteHorizonBit, kDeleteHorizonBit);
  EXPECT_EQ(header.first_timestamp, 90000);
  EXPECT_EQ(header.first_record_timestamp(), std::nullopt);
  EXPECT_EQ(header.max_timestamp, 1500);
  EXPECT_TRUE(batch_crc_ok(batch));
  std::vector<Decoded> got;
  ASSERT_EQ(decode_all(batch, got), ErrorCode::kNone);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].timestamp, 1000);  // negative deltas from the horizon
  EXPECT_EQ(got[1].timestamp, 1500);
  ASSERT_EQ(encode_batch(records, {}, batch), ErrorCode::kNone);
  EXPECT_FALSE(parse_batch_header(batch)->has_delete_horizon());
  EXPECT_EQ(parse_batch_header(batch)->first_record_timestamp(), 1000);
}

// Wraps a hand-written records section in a valid header claiming `count` records.
std::vector<uint8_t> raw_batch(const std::vector<uint8_t>& body, int32_t count,
                               Compression codec = Compression::kNone) {
  BatchHeader h;
  h.batch_length = static_cast<int32_t>(kBatchHeaderSize - kLogOverhead + body.size());
  h.attributes = static_cast<int16_t>(codec);
  h.record_count = count;
  h.last_offset_delta = count > 0 ? count - 1 : 0;
  std::vector<uint8_t> batch(kBatchHeaderSize + body.size());
  std::copy(body.begin(), body.end(), batch.begin() + kBatchHeaderSize);
  write_batch_header(h, batch);
  update_batch_crc(batch);
  return batch;
}

// One record written field by field; `length_adjust` corrupts its length prefix.
void put_record(Writer& out, int32_t key_length, int32_t header_count, int32_t header_key_length,
                int length_adjust = 0) {
  Writer r;
  r.i8(0);
  r.varlong(0);
  r.varint(0);
  r.varint(key_length);
  if (key_length > 0) r.raw("kkkkkkkkkkkkkkkk", static_cast<size_t>(key_length));
  r.varint(-1);  // null value
  r.varint(header_count);
  if (header_count == 1) {
    r.varint(header_key_length);
    if (header_key_length > 0) r.raw("h", 1);
    r.varint(-1);
  }
  out.varint(static_cast<int32_t>(r.bytes().size()) + length_adjust);
  out.raw(r.bytes().data(), r.bytes().size());
}

ErrorCode decode_raw(const std::vector<uint8_t>& body, int32_t count) {
  std::vector<Decoded> got;
  return decode_all(raw_batch(body, count), got);
}

TEST(RecordsTest, HandWrittenRecordsDecode) {
  Writer body;
  put_record(body, 3, 1, 1);
  put_record(body, -1, 0, 0);
  EXPECT_EQ(decode_raw(body.bytes(), 2), ErrorCode::kNone);
}

TEST(RecordsTest, MalformedRecords) {
  const ErrorCode kCorrupt = ErrorCode::kCorruptMessage;
  Writer good;
  put_record(good, 3, 0, 0);
  put_record(good, 3, 0, 0);
  EXPECT_EQ(decode_raw(good.bytes(), 3), kCorrupt) << "fewer records than the count";
  EXPECT_EQ(decode_raw(good.bytes(), 1), kCorrupt) << "more records than the count";
  std::vector<uint8_t> bad_varint(12, 0xff);
  EXPECT_EQ(decode_raw(bad_varint, 1), kCorrupt) << "varint longer than 10 bytes";
  Writer w;
  put_record(w, 3, 0, 0, +1);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "record length past the end";
  w = {};
  put_record(w, 3, 0, 0, -1);
  w.put(0);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "record shorter than its fields";
  w = {};
  put_record(w, 3, 0, 0, +1);
  w.put(0);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "bytes left inside a record";
  w = {};
  put_record(w, -2, 0, 0);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "key length -2";
  w = {};
  put_record(w, 1, 1, -1);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "null header key";
  w = {};
  put_record(w, 1, 1000000, 0);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "header count past the end";
  w = {};
  put_record(w, 1, -1, 0);
  EXPECT_EQ(decode_raw(w.bytes(), 1), kCorrupt) << "negative header count";
  EXPECT_EQ(decode_raw({}, 1000), kCorrupt) << "count larger than the bytes could hold";
}

TEST(RecordsTest, BadBatchesFailOnReset) {
  std::vector<uint8_t> scratch;
  RecordIterator it;
  RecordView record;
  std::vector<uint8_t> batch = raw_batch({1, 2, 3, 4, 5, 6, 7, 8}, 1, Compression::kGzip);
  EXPECT_EQ(it.reset(batch, scratch, kMaxOut), ErrorCode::kCorruptMessage);
  EXPECT_FALSE(it.next(record));
  batch = raw_batch({}, 0, static_cast<Compression>(7));
  EXPECT_EQ(it.reset(batch, scratch, kMaxOut), ErrorCode::kUnsupportedCompressionType);
  batch = raw_batch({}, 0);
  batch[16] = 1;
  EXPECT_EQ(it.reset(batch, scratch, kMaxOut), ErrorCode::kUnsupportedForMessageFormat);
  batch = raw_batch({0, 0, 0, 0, 0, 0, 0, 0}, 1);
  EXPECT_EQ(it.reset(ByteView(batch.data(), batch.size() - 1), scratch, kMaxOut),
            ErrorCode::kCorruptMessage);
  EXPECT_EQ(it.reset(ByteView(batch.data(), 30), scratch, kMaxOut), ErrorCode::kCorruptMessage);
}

TEST(RecordsTest, DecompressionCapApplies) {
  const std::string big(1 << 20, 'z');
  RecordInput record{.timestamp = 1, .value = bytes_of(big)};
  std::vector<uint8_t> batch, scratch;
  ASSERT_EQ(encode_batch({&record, 1}, {.compression = Compression::kZstd}, batch),
            ErrorCode::kNone);
  RecordIterator it;
  EXPECT_EQ(it.reset(batch, scratch, 4096), ErrorCode::kCorruptMessage);
  EXPECT_EQ(it.reset(batch, scratch, 2 << 20), ErrorCode::kNone);
}

// Every single-byte corruption and every truncation must give an answer, never a crash.
TEST(RecordsTest, CorruptionNeverCrashes) {
  const std::string value = "some value bytes", key = "k";
  const HeaderView headers[] = {{"h", bytes_of(value)}};
  std::vector<RecordInput> records(
      5, {.timestamp = 7, .key = bytes_of(key), .value = bytes_of(value), .headers = headers});
  std::mt19937 rng(5);
  for (Compression codec : {Compression::kNone, Compression::kLz4, Compression::kSnappy}) {
    std::vector<uint8_t> batch;
    ASSERT_EQ(encode_batch(records, {.compression = codec}, batch), ErrorCode::kNone);
    std::vector<Decoded> got;
    for (size_t i = 0; i < batch.size(); ++i) {
      std::vector<uint8_t> copy = batch;
      copy[i] = static_cast<uint8_t>(rng());
      (void)decode_all(copy, got);
      (void)decode_all(ByteView(batch.data(), i), got);
    }
  }
}

}  // namespace
}  // namespace gregor::protocol
