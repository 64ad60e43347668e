#include "protocol/codec.h"

#include <gtest/gtest.h>

namespace gregor::protocol {
namespace {

std::vector<uint8_t> encode(auto fn) {
  Writer out;
  fn(out);
  return out.bytes();
}

TEST(CodecTest, FixedWidthIntegersAreBigEndian) {
  auto b = encode([](Writer& w) {
    w.i16(0x0102);
    w.i32(-2);
    w.i64(0x0102030405060708);
  });
  ASSERT_EQ(b.size(), 14u);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[1], 2);
  Reader r(b);
  EXPECT_EQ(r.i16(), 0x0102);
  EXPECT_EQ(r.i32(), -2);
  EXPECT_EQ(r.i64(), 0x0102030405060708);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CodecTest, VarintsRoundTripAndUseZigZag) {
  const std::vector<int64_t> values{0,   1,         -1,        63,        -64,      64,
                                    300, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
  for (int64_t v : values) {
    auto b = encode([&](Writer& w) { w.varlong(v); });
    Reader r(b);
    EXPECT_EQ(r.varlong(), v);
    EXPECT_TRUE(r.ok());
  }
  EXPECT_EQ(encode([](Writer& w) { w.varint(-1); }), std::vector<uint8_t>{1});
  EXPECT_EQ(encode([](Writer& w) { w.uvarint(300); }), (std::vector<uint8_t>{0xac, 0x02}));
}

TEST(CodecTest, UnterminatedVarintFails) {
  std::vector<uint8_t> b(11, 0xff);
  Reader r(b);
  r.uvarlong();
  EXPECT_FALSE(r.ok());
}

TEST(CodecTest, CompactAndClassicStrings) {
  auto b = encode([](Writer& w) {
    w.string("abc", false);
    w.string("abc", true);
    w.nullable_string(std::nullopt, false);
    w.nullable_string(std::nullopt, true);
  });
  Reader r(b);
  EXPECT_EQ(r.string(false), "abc");
  EXPECT_EQ(r.string(true), "abc");
  EXPECT_EQ(r.nullable_string(false), std::nullopt);
  EXPECT_EQ(r.nullable_string(true), std::nullopt);
  EXPECT_TRUE(r.ok());
}

TEST(CodecTest, NullWhereNonNullableIsRequiredFails) {
  auto b = encode([](Writer& w) { w.i16(-1); });
  Reader r(b);
  r.string(false);
  EXPECT_FALSE(r.ok());
}

TEST(CodecTest, LengthsPastTheEndFailWithoutAllocating) {
  auto b = encode([](Writer& w) { w.i32(1'000'000'000); });
  Reader r(b);
  EXPECT_EQ(r.array_length(false), 0);
  EXPECT_FALSE(r.ok());
  Reader r2(b);
  r2.bytes(false);
  EXPECT_FALSE(r2.ok());
}

TEST(CodecTest, FailureIsStickyAndReadsReturnZero) {
  std::vector<uint8_t> b{0x01};
  Reader r(b);
  EXPECT_EQ(r.i32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.i8(), 0);
  EXPECT_FALSE(r.ok());
}

TEST(CodecTest, FileSlicesAreSplicedAtTheirPosition) {
  Writer w;
  w.i32(7);
  w.records(Records::of(FileSlice{nullptr, 100, 50}), false);
  w.i8(1);
  EXPECT_EQ(w.size(), 4u + 4u + 50u + 1u);
  ASSERT_EQ(w.splices().size(), 1u);
  EXPECT_EQ(w.splices()[0].at, 8u);
  Writer outer;
  outer.i16(0);
  outer.append(std::move(w));
  EXPECT_EQ(outer.splices()[0].at, 10u);
  EXPECT_EQ(outer.size(), 2u + 59u);
}

TEST(CodecTest, UuidPrintsAsUrlSafeBase64) {
  Uuid id;
  EXPECT_TRUE(id.is_zero());
  EXPECT_EQ(id.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
  const Uuid random = Uuid::random();
  EXPECT_FALSE(random.is_zero());
  EXPECT_EQ(Uuid::from_string(random.to_string()), random);
  EXPECT_EQ(Uuid::from_string("short"), std::nullopt);
  EXPECT_EQ(Uuid::from_string("AAAAAAAAAAAAAAAAAAAA*A"), std::nullopt);
}

}  // namespace
}  // namespace gregor::protocol
