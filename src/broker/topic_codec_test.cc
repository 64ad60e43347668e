#include "broker/topic_codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/compression.h"
#include "protocol/records.h"

namespace gregor::broker {
namespace {

using protocol::Compression;

protocol::ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Payload {
  std::vector<uint8_t> bytes;
  std::vector<protocol::BatchHeader> headers;
};

// Appends a batch of `count` records "k<i>" = "value <i>" (repetitive, so that it compresses).
void add_batch(Payload& payload, int count, Compression codec, int64_t producer_id = -1) {
  std::vector<std::string> keys, values;
  for (int i = 0; i < count; ++i) {
    keys.push_back("k" + std::to_string(i));
    values.push_back("value value value value " + std::to_string(i));
  }
  std::vector<protocol::RecordInput> records(static_cast<size_t>(count));
  for (size_t i = 0; i < records.size(); ++i) {
    records[i] = {.timestamp = 1000 + static_cast<int64_t>(i),
                  .key = bytes_of(keys[i]),
                  .value = bytes_of(values[i])};
  }
  std::vector<uint8_t> batch;
  protocol::BatchOptions options{.compression = codec, .producer_id = producer_id};
  options.producer_epoch = 3;
  options.base_sequence = producer_id < 0 ? -1 : 7;
  ASSERT_EQ(protocol::encode_batch(records, options, batch), ErrorCode::kNone);
  payload.headers.push_back(*protocol::parse_batch_header(batch));
  payload.bytes.insert(payload.bytes.end(), batch.begin(), batch.end());
}

std::vector<std::string> values_of(protocol::ByteView payload,
                                   const std::vector<protocol::BatchHeader>& headers) {
  std::vector<std::string> values;
  std::vector<uint8_t> scratch;
  size_t at = 0;
  for (const auto& header : headers) {
    EXPECT_EQ(protocol::for_each_record(payload.subspan(at, header.total_size()), scratch, 1 << 20,
                                        [&](const protocol::RecordView& r) {
                                          values.emplace_back(r.value->begin(), r.value->end());
                                        }),
              ErrorCode::kNone);
    at += header.total_size();
  }
  return values;
}

TEST(TopicCodecTest, EveryCodecIsRewrittenIntoEveryOtherKeepingRecordsAndHeader) {
  const Compression codecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                Compression::kLz4, Compression::kZstd};
  for (Compression from : codecs) {
    for (Compression to : codecs) {
      Payload payload;
      add_batch(payload, 20, from, /*producer_id=*/42);
      add_batch(payload, 3, to);
      const auto before = values_of(payload.bytes, payload.headers);
      EXPECT_EQ(needs_recompression(payload.headers, to), from != to);
      std::vector<uint8_t> out;
      auto headers = payload.headers;
      ASSERT_EQ(
          recompress_payload(payload.bytes, to, protocol::kDefaultLevel, {1 << 20}, out, headers),
          ErrorCode::kNone);
      ASSERT_EQ(headers.size(), 2u);
      for (const auto& header : headers) {
        EXPECT_EQ(header.compression(), to);
        EXPECT_TRUE(protocol::batch_crc_ok(protocol::ByteView(out).subspan(
            &header == &headers[0] ? 0 : headers[0].total_size(), header.total_size())));
      }
      EXPECT_EQ(headers[0].producer_id, 42);
      EXPECT_EQ(headers[0].producer_epoch, 3);
      EXPECT_EQ(headers[0].base_sequence, 7);
      EXPECT_EQ(headers[0].record_count, 20);
      EXPECT_EQ(headers[0].max_timestamp, payload.headers[0].max_timestamp);
      EXPECT_EQ(values_of(out, headers), before);
    }
  }
}

TEST(TopicCodecTest, ABatchThatGrowsPastTheLimitIsTooLarge) {
  Payload payload;
  add_batch(payload, 200, Compression::kZstd);
  std::vector<uint8_t> out;
  auto headers = payload.headers;
  const protocol::ValidationLimits limits{static_cast<int32_t>(payload.bytes.size()) + 10};
  EXPECT_EQ(recompress_payload(payload.bytes, Compression::kNone, protocol::kDefaultLevel, limits,
                               out, headers),
            ErrorCode::kMessageTooLarge);
}

TEST(TopicCodecTest, GarbageRecordsAreCorrupt) {
  Payload payload;
  add_batch(payload, 5, Compression::kGzip);
  auto& last = payload.bytes.back();
  last = static_cast<uint8_t>(last ^ 0xff);  // the gzip trailer no longer matches
  std::vector<uint8_t> out;
  auto headers = payload.headers;
  EXPECT_EQ(recompress_payload(payload.bytes, Compression::kZstd, protocol::kDefaultLevel,
                               {1 << 20}, out, headers),
            ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::broker
