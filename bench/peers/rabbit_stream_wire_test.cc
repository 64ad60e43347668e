#include "rabbit_stream_wire.h"

#include <gtest/gtest.h>

namespace gregor::bench::stream {
namespace {

TEST(FrameWriter, EncodesBigEndianWithTheSizeFirst) {
  FrameWriter tune(kResponse | kTune);
  tune.u32(1048576).u32(0);
  EXPECT_EQ(tune.finish(), std::string("\0\0\0\x0c\x80\x14\0\x01\0\x10\0\0\0\0\0\0", 16));
}

TEST(FrameWriter, StringsHaveAnInt16LengthAndBytesAnInt32One) {
  FrameWriter frame(kOpen);
  frame.string("/").bytes("ab");
  const std::string expected(
      "\0\0\0\x0d\0\x15\0\x01\0\x01/\0\0\0\x02"
      "ab",
      17);
  EXPECT_EQ(frame.finish(), expected);
}

TEST(FrameReader, ReadsWhatTheWriterWroteAndFlagsAnOverrun) {
  FrameWriter frame(kPublishConfirm);
  frame.u8(7).u32(1).u64(0x0102030405060708);
  FrameReader reader(frame.finish().substr(4));
  EXPECT_EQ(reader.u16(), kPublishConfirm);
  EXPECT_EQ(reader.u16(), 1);
  EXPECT_EQ(reader.u8(), 7);
  EXPECT_EQ(reader.u32(), 1u);
  EXPECT_EQ(reader.u64(), 0x0102030405060708u);
  EXPECT_FALSE(reader.overrun());
  EXPECT_EQ(reader.u16(), 0);
  EXPECT_TRUE(reader.overrun());
}

// A chunk header (48 bytes) of `type` with `entries` entries, followed by `body`.
std::string chunk(uint8_t type, uint16_t entries, const std::string& body) {
  FrameWriter header(0, 0);
  header.u8(0x50).u8(type).u16(entries).u32(0);
  for (int i = 0; i < 10; ++i)
    header.u32(0);
  return header.finish().substr(8) + body;
}

TEST(RecordsOfChunk, CountsSimpleEntriesAndTheRecordsOfSubBatches) {
  const std::string simple = std::string(
      "\0\0\0\x03"
      "abc",
      7);
  // A sub-batch of 5 records: type bit, codec 0, 5 records, uncompressed 2, 2 bytes of data.
  const std::string sub_batch = std::string("\x80\0\x05\0\0\0\x02\0\0\0\x02xy", 13);
  FrameReader reader(chunk(0, 3, simple + sub_batch + simple));
  EXPECT_EQ(records_of_chunk(reader), 7);
  EXPECT_FALSE(reader.overrun());
}

TEST(RecordsOfChunk, TrackingChunksHoldNoRecords) {
  FrameReader reader(chunk(1, 1, std::string("\0\0\0\x01z", 5)));
  EXPECT_EQ(records_of_chunk(reader), 0);
}

TEST(RecordsOfChunk, ATruncatedChunkIsAnOverrun) {
  FrameReader reader(chunk(0, 2,
                           std::string("\0\0\0\x09"
                                       "abc",
                                       7)));
  records_of_chunk(reader);
  EXPECT_TRUE(reader.overrun());
}

}  // namespace
}  // namespace gregor::bench::stream
