#include "cli/log_dump.h"

#include <gtest/gtest.h>

#include "protocol/records.h"

namespace gregor::cli {
namespace {

using protocol::ByteView;

ByteView bytes(std::string_view text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::vector<uint8_t> batch(protocol::Compression codec, int64_t base_offset) {
  protocol::HeaderView header{"h", bytes("v")};
  std::vector<protocol::RecordInput> records(2);
  records[0] = {1000, bytes("k0"), bytes("hello"), std::span(&header, 1), -1};
  records[1] = {1001, std::nullopt, bytes("world"), {}, -1};
  std::vector<uint8_t> out;
  protocol::BatchOptions options;
  options.compression = codec;
  options.base_offset = base_offset;
  EXPECT_EQ(protocol::encode_batch(records, options, out), ErrorCode::kNone);
  return out;
}

TEST(LogDumpTest, DecodesPlainAndCompressedBatchesAndReportsTrailingBytes) {
  auto data = batch(protocol::Compression::kNone, 0);
  auto zstd = batch(protocol::Compression::kZstd, 2);
  data.insert(data.end(), zstd.begin(), zstd.end());
  data.insert(data.end(), {0, 0, 0});  // a torn tail

  auto dump = dump_segment(data);
  ASSERT_EQ(dump.batches.size(), 2u);
  EXPECT_EQ(dump.trailing_bytes, 3);
  const auto& second = dump.batches[1];
  EXPECT_TRUE(second.crc_ok);
  EXPECT_EQ(second.header.compression(), protocol::Compression::kZstd);
  ASSERT_EQ(second.records.size(), 2u);
  EXPECT_EQ(second.records[0].offset, 2);
  EXPECT_EQ(second.records[0].key, "k0");
  EXPECT_EQ(second.records[0].headers.at(0).second, "v");
  EXPECT_EQ(second.records[1].key, std::nullopt);
  EXPECT_EQ(second.records[1].value, "world");

  const auto text = dump_text(dump, true);
  EXPECT_NE(text.find("baseOffset: 2 lastOffset: 3 count: 2"), std::string::npos) << text;
  EXPECT_NE(text.find("compresscodec: zstd"), std::string::npos);
  EXPECT_NE(text.find("| offset: 3 timestamp: 1001 keySize: -1 valueSize: 5 key: null payload: "
                      "world"),
            std::string::npos);
  EXPECT_NE(text.find("3 trailing bytes at position"), std::string::npos);
  EXPECT_EQ(dump_json(dump)["batches"][0]["records"][0]["headers"]["h"], "v");
}

TEST(LogDumpTest, ShowsTheCleanersDeleteHorizon) {
  std::vector<protocol::RecordInput> records(1);
  records[0] = {1000, bytes("k"), std::nullopt, {}, -1};  // a tombstone
  std::vector<uint8_t> data;
  ASSERT_EQ(protocol::encode_batch(records, {.delete_horizon_ms = 5000}, data), ErrorCode::kNone);
  auto plain = batch(protocol::Compression::kNone, 1);
  data.insert(data.end(), plain.begin(), plain.end());
  const auto dump = dump_segment(data);
  const auto text = dump_text(dump, true);
  EXPECT_NE(text.find("isControl: false deleteHorizonMs: 5000 position: 0"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("deleteHorizonMs", text.find('\n')), std::string::npos) << text;
  EXPECT_NE(text.find("| offset: 0 timestamp: 1000 keySize: 1 valueSize: -1"), std::string::npos);
  const auto json = dump_json(dump);
  EXPECT_EQ(json["batches"][0]["delete_horizon_ms"], 5000);
  EXPECT_TRUE(json["batches"][1]["delete_horizon_ms"].is_null());
}

TEST(LogDumpTest, FlagsACorruptBatch) {
  auto data = batch(protocol::Compression::kGzip, 0);
  data.back() ^= 0xff;
  auto dump = dump_segment(data);
  ASSERT_EQ(dump.batches.size(), 1u);
  EXPECT_FALSE(dump.batches[0].crc_ok);
  EXPECT_NE(dump_text(dump, false).find("isvalid: false"), std::string::npos);
}

}  // namespace
}  // namespace gregor::cli
