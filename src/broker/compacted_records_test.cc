#include "broker/compacted_records.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/records.h"

namespace gregor::broker {
namespace {

using protocol::Compression;

protocol::ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Appends one batch with a record per entry of `keys` ("" stands for no key) to `payload`.
void add_batch(std::vector<uint8_t>& payload, std::vector<protocol::BatchHeader>& headers,
               const std::vector<std::string>& keys, Compression codec = Compression::kNone,
               bool control = false) {
  std::vector<protocol::RecordInput> records(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].empty()) records[i].key = bytes_of(keys[i]);
    records[i].value = bytes_of("v");
  }
  std::vector<uint8_t> batch;
  ASSERT_EQ(protocol::encode_batch(records, {.compression = codec, .control = control}, batch),
            ErrorCode::kNone);
  headers.push_back(*protocol::parse_batch_header(batch));
  payload.insert(payload.end(), batch.begin(), batch.end());
}

TEST(CompactedRecordsTest, FindsEveryKeylessRecordAcrossBatchesAndCodecs) {
  for (Compression codec : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    std::vector<uint8_t> payload;
    std::vector<protocol::BatchHeader> headers;
    add_batch(payload, headers, {"a", "", "b"}, codec);
    add_batch(payload, headers, {"", "c"}, codec);
    const KeylessRecords found = find_keyless_records(payload, headers);
    EXPECT_EQ(found.error, ErrorCode::kNone);
    EXPECT_EQ(found.indexes, (std::vector<int32_t>{1, 3})) << static_cast<int>(codec);
  }
}

TEST(CompactedRecordsTest, KeyedAndControlBatchesPass) {
  std::vector<uint8_t> payload;
  std::vector<protocol::BatchHeader> headers;
  add_batch(payload, headers, {"a", "b"}, Compression::kLz4);
  add_batch(payload, headers, {""}, Compression::kNone, /*control=*/true);
  const KeylessRecords found = find_keyless_records(payload, headers);
  EXPECT_EQ(found.error, ErrorCode::kNone);
  EXPECT_TRUE(found.indexes.empty());
}

TEST(CompactedRecordsTest, UndecodableRecordsAreCorrupt) {
  std::vector<uint8_t> payload;
  std::vector<protocol::BatchHeader> headers;
  add_batch(payload, headers, {"a", "b"}, Compression::kGzip);
  payload[protocol::kBatchHeaderSize + 2] ^= 0xff;  // inside the gzip stream
  EXPECT_EQ(find_keyless_records(payload, headers).error, ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::broker
