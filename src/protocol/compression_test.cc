#include "protocol/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

namespace gregor::protocol {
namespace {

constexpr Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                   Compression::kLz4, Compression::kZstd};
constexpr Compression kRealCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                       Compression::kZstd};
constexpr size_t kNoLimit = 64 << 20;

std::vector<uint8_t> text_bytes(size_t n) {
  std::vector<uint8_t> out(n);
  const std::string words = "gregor streams records to partitions; ";
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<uint8_t>(words[(i * 7 + i / 97) % words.size()]);
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

std::vector<uint8_t> compressed(Compression codec, const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out;
  EXPECT_EQ(compress(codec, in, out), ErrorCode::kNone);
  return out;
}

void expect_round_trip(Compression codec, const std::vector<uint8_t>& in) {
  std::vector<uint8_t> packed = compressed(codec, in);
  std::vector<uint8_t> unpacked = {1, 2, 3};  // stale content must be replaced
  ASSERT_EQ(decompress(codec, packed, unpacked, kNoLimit), ErrorCode::kNone)
      << static_cast<int>(codec) << " size " << in.size();
  EXPECT_EQ(unpacked, in) << static_cast<int>(codec);
}

TEST(CompressionTest, RoundTripEveryCodec) {
  for (Compression codec : kCodecs) {
    expect_round_trip(codec, {});
    expect_round_trip(codec, {42});
    expect_round_trip(codec, text_bytes(1000));
    expect_round_trip(codec, text_bytes(1 << 20));
    expect_round_trip(codec, random_bytes(1 << 20, 7));
  }
}

TEST(CompressionTest, OutputCapStopsBombs) {
  std::vector<uint8_t> zeros(4 << 20, 0);
  for (Compression codec : kCodecs) {
    std::vector<uint8_t> packed = compressed(codec, zeros);
    std::vector<uint8_t> out;
    EXPECT_EQ(decompress(codec, packed, out, zeros.size() - 1), ErrorCode::kCorruptMessage)
        << static_cast<int>(codec);
    EXPECT_LT(out.capacity(), 2 * zeros.size());
    EXPECT_EQ(decompress(codec, packed, out, zeros.size()), ErrorCode::kNone);
    EXPECT_EQ(out.size(), zeros.size());
    EXPECT_EQ(decompress(codec, packed, out, 0), ErrorCode::kCorruptMessage);
  }
}

TEST(CompressionTest, GarbageAndTruncatedInputFail) {
  std::vector<uint8_t> garbage = random_bytes(5000, 1);
  std::vector<uint8_t> out;
  for (Compression codec : kRealCodecs) {
    EXPECT_EQ(decompress(codec, garbage, out, kNoLimit), ErrorCode::kCorruptMessage)
        << static_cast<int>(codec);
    EXPECT_EQ(decompress(codec, {}, out, kNoLimit), ErrorCode::kCorruptMessage)
        << static_cast<int>(codec);
    std::vector<uint8_t> packed = compressed(codec, text_bytes(200000));
    for (size_t cut : {size_t{1}, size_t{4}, packed.size() / 2, packed.size() - 1}) {
      ByteView truncated(packed.data(), cut);
      EXPECT_EQ(decompress(codec, truncated, out, kNoLimit), ErrorCode::kCorruptMessage)
          << static_cast<int>(codec) << " cut at " << cut;
    }
  }
}

TEST(CompressionTest, CodecValuesFiveToSevenAreUnsupported) {
  std::vector<uint8_t> out;
  for (int v = 5; v <= 7; ++v) {
    auto codec = static_cast<Compression>(v);
    EXPECT_EQ(decompress(codec, {}, out, kNoLimit), ErrorCode::kUnsupportedCompressionType);
    EXPECT_EQ(compress(codec, {}, out), ErrorCode::kUnsupportedCompressionType);
  }
}

// snappy-java's framing, built by hand: magic, version 1, compatible version 1, then blocks of
// [big-endian length][raw snappy].
std::vector<uint8_t> xerial_frame(const std::vector<std::string>& chunks) {
  std::vector<uint8_t> out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  for (const std::string& chunk : chunks) {
    std::string block;
    snappy::Compress(chunk.data(), chunk.size(), &block);
    auto n = static_cast<uint32_t>(block.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(n >> shift));
    out.insert(out.end(), block.begin(), block.end());
  }
  return out;
}

TEST(CompressionTest, DecodesXerialSnappyFrames) {
  std::string a(40000, 'a'), b = "then something else entirely", c;
  std::vector<uint8_t> framed = xerial_frame({a, b});
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::kSnappy, framed, out, kNoLimit), ErrorCode::kNone);
  EXPECT_EQ(std::string(out.begin(), out.end()), a + b);
  // Header only: an empty stream.
  ASSERT_EQ(decompress(Compression::kSnappy, xerial_frame({}), out, kNoLimit), ErrorCode::kNone);
  EXPECT_TRUE(out.empty());
  // The cap counts across blocks.
  EXPECT_EQ(decompress(Compression::kSnappy, framed, out, a.size() + 3),
            ErrorCode::kCorruptMessage);
  // A block length past the end, and a cut inside a length field.
  std::vector<uint8_t> bad = framed;
  bad[16] = 0x7f;
  EXPECT_EQ(decompress(Compression::kSnappy, bad, out, kNoLimit), ErrorCode::kCorruptMessage);
  ByteView cut(framed.data(), 18);
  EXPECT_EQ(decompress(Compression::kSnappy, cut, out, kNoLimit), ErrorCode::kCorruptMessage);
}

TEST(CompressionTest, GzipConcatenatedMembers) {
  std::vector<uint8_t> a = text_bytes(3000), b = random_bytes(100, 3);
  std::vector<uint8_t> both = compressed(Compression::kGzip, a);
  std::vector<uint8_t> second = compressed(Compression::kGzip, b);
  both.insert(both.end(), second.begin(), second.end());
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::kGzip, both, out, kNoLimit), ErrorCode::kNone);
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(out, a);
}

TEST(CompressionTest, Lz4WritesIndependent64KBlocks) {
  std::vector<uint8_t> packed = compressed(Compression::kLz4, text_bytes(300000));
  ASSERT_GE(packed.size(), 7u);
  EXPECT_EQ(packed[4] & 0xC0, 0x40);  // FLG: version 01
  EXPECT_NE(packed[4] & 0x20, 0);     // FLG: block independence, required by Kafka's Java reader
  EXPECT_EQ(packed[5], 0x40);         // BD: 64 KB maximum block size
}

TEST(CompressionTest, Lz4AcceptsOtherFrameOptions) {
  // Content size, content checksum, block checksums and linked blocks: all legal in a frame.
  std::vector<uint8_t> in = text_bytes(500000);
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max256KB;
  prefs.frameInfo.blockMode = LZ4F_blockLinked;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  prefs.frameInfo.contentSize = in.size();
  std::vector<uint8_t> packed(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(packed.data(), packed.size(), in.data(), in.size(), &prefs);
  ASSERT_FALSE(LZ4F_isError(n));
  packed.resize(n);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::kLz4, packed, out, kNoLimit), ErrorCode::kNone);
  EXPECT_EQ(out, in);
  packed[packed.size() / 2] ^= 0x55;  // checksums catch a flipped byte
  EXPECT_EQ(decompress(Compression::kLz4, packed, out, kNoLimit), ErrorCode::kCorruptMessage);
  // The thread's context survives the error (liblz4 1.9.4's reset alone does not suffice).
  std::vector<uint8_t> ours = compressed(Compression::kLz4, in);
  ASSERT_EQ(decompress(Compression::kLz4, ours, out, kNoLimit), ErrorCode::kNone);
  EXPECT_EQ(out, in);
}

TEST(CompressionTest, ZstdStreamWithoutContentSize) {
  std::vector<uint8_t> in = text_bytes(700000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::vector<uint8_t> packed(ZSTD_compressBound(in.size()));
  ZSTD_outBuffer dst{packed.data(), packed.size(), 0};
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t left = ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  ASSERT_EQ(left, 0u);
  packed.resize(dst.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::kZstd, packed, out, kNoLimit), ErrorCode::kNone);
  EXPECT_EQ(out, in);
  EXPECT_EQ(decompress(Compression::kZstd, packed, out, in.size() - 1), ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::protocol
