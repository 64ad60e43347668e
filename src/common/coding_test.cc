#include "common/coding.h"

#include <gtest/gtest.h>

#include <array>

namespace gregor {
namespace {

TEST(CodingTest, BigEndianPutsTheMostSignificantByteFirst) {
  std::array<uint8_t, 9> bytes{};
  store_big_endian(bytes.data() + 1, uint32_t{0x01020304});  // unaligned on purpose
  EXPECT_EQ(bytes[1], 0x01);
  EXPECT_EQ(bytes[4], 0x04);
  EXPECT_EQ(load_big_endian<uint32_t>(bytes.data() + 1), 0x01020304u);
  store_big_endian(bytes.data(), int64_t{-2});
  EXPECT_EQ(bytes[0], 0xff);
  EXPECT_EQ(bytes[7], 0xfe);
  EXPECT_EQ(load_big_endian<int64_t>(bytes.data()), -2);
  store_big_endian(bytes.data(), int16_t{0x0a0b});
  EXPECT_EQ(bytes[0], 0x0a);
  EXPECT_EQ(load_big_endian<int16_t>(bytes.data()), 0x0a0b);
}

TEST(CodingTest, LittleEndianPutsTheLeastSignificantByteFirst) {
  std::array<uint8_t, 8> bytes{};
  store_little_endian(bytes.data(), uint64_t{0x0102030405060708});
  EXPECT_EQ(bytes[0], 0x08);
  EXPECT_EQ(bytes[7], 0x01);
  EXPECT_EQ(load_little_endian<uint64_t>(bytes.data()), 0x0102030405060708u);
  store_little_endian(bytes.data(), int32_t{-1000});
  EXPECT_EQ(load_little_endian<int32_t>(bytes.data()), -1000);
  EXPECT_EQ(bytes[0], 0x18);  // -1000 = 0xfffffc18
}

}  // namespace
}  // namespace gregor
