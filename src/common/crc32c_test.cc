#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace gregor {
namespace {

uint32_t crc_of(const std::string& s) {
  return crc32c(s.data(), s.size());
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(crc_of(""), 0u);
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of("a"), 0xC1D04330u);
  // RFC 3720 (iSCSI) B.4 test patterns.
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending.data(), ascending.size()), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending.data(), descending.size()), 0x113FDB5Cu);
}

TEST(Crc32cTest, ExtendEqualsOneCall) {
  std::string s = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t first = crc32c(s.data(), split);
    EXPECT_EQ(crc32c(s.data() + split, s.size() - split, first), crc_of(s)) << split;
  }
}

TEST(Crc32cTest, HardwareMatchesTableOnRandomData) {
  std::mt19937 rng(42);
  std::vector<uint8_t> data(70000);
  for (auto& b : data)
    b = static_cast<uint8_t>(rng());
  if (!crc32c_internal::hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  // Every length 0..300 and every alignment 0..7, then a large buffer.
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n < 300; ++n) {
      ASSERT_EQ(crc32c_internal::hardware(data.data() + offset, n, 7),
                crc32c_internal::software(data.data() + offset, n, 7))
          << offset << " " << n;
    }
  }
  EXPECT_EQ(crc32c_internal::hardware(data.data(), data.size(), 0),
            crc32c_internal::software(data.data(), data.size(), 0));
}

// Inputs of several interleaved rounds (three 2 KiB stripes each) plus every kind of tail.
TEST(Crc32cTest, HardwareMatchesTableAcrossInterleavedRounds) {
  if (!crc32c_internal::hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(7);
  std::vector<uint8_t> data(4 * 3 * 2048 + 64);
  for (auto& b : data)
    b = static_cast<uint8_t>(rng());
  for (size_t n : {6143, 6144, 6145, 6151, 12288, 12300, 18431, 24576, 24639}) {
    for (size_t offset : {0, 3}) {
      ASSERT_EQ(crc32c_internal::hardware(data.data() + offset, n, 0x1234567),
                crc32c_internal::software(data.data() + offset, n, 0x1234567))
          << offset << " " << n;
    }
  }
}

TEST(Crc32cTest, SoftwareKnownVector) {
  EXPECT_EQ(crc32c_internal::software("123456789", 9, 0), 0xE3069283u);
}

}  // namespace
}  // namespace gregor
