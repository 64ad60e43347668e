#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "common/coding.h"

namespace gregor {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, bit-reversed

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[k][b] is the CRC of byte b followed by k zero bytes: slicing-by-8 folds 8 bytes per step.
constexpr Tables make_tables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t prev = tables[k - 1][b];
      tables[k][b] = (prev >> 8) ^ tables[0][prev & 0xff];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();

}  // namespace

namespace crc32c_internal {

uint32_t software(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v = load_little_endian<uint64_t>(p) ^ c;
    c = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
        kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
        kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
  }
  for (; n > 0; --n, ++p)
    c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xff];
  return ~c;
}

#if defined(__x86_64__)

// The crc32 instruction takes 3 cycles but can start one per cycle, so one dependent chain uses
// a third of it. Large inputs are cut into rounds of three consecutive stripes of kStripe bytes,
// each with its own chain, and the three registers are joined at the end of each round.
constexpr size_t kStripe = 2048;

// Shifts a raw CRC register over `n` zero bytes: the register stays linear in GF(2), so a CRC of
// A followed by B is shift(crc(A), |B|) ^ crc-from-zero(B).
uint32_t shift_over_zeros(uint32_t c, size_t n) {
  for (; n > 0; --n)
    c = (c >> 8) ^ kTables[0][c & 0xff];
  return c;
}

// The shift over kStripe zero bytes as four byte-indexed tables (it is linear, so the shift of a
// register is the xor of the shifts of its four bytes).
using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

ShiftTable make_stripe_shift() {
  std::array<uint32_t, 32> of_bit{};
  for (size_t bit = 0; bit < 32; ++bit)
    of_bit[bit] = shift_over_zeros(uint32_t{1} << bit, kStripe);
  ShiftTable table{};
  for (size_t byte = 0; byte < 4; ++byte) {
    for (uint32_t b = 0; b < 256; ++b) {
      for (size_t bit = 0; bit < 8; ++bit) {
        if (b & (1u << bit)) table[byte][b] ^= of_bit[byte * 8 + bit];
      }
    }
  }
  return table;
}

uint32_t shift_stripe(uint32_t c) {
  static const ShiftTable table = make_stripe_shift();
  return table[0][c & 0xff] ^ table[1][(c >> 8) & 0xff] ^ table[2][(c >> 16) & 0xff] ^
         table[3][c >> 24];
}

// Compiled for SSE4.2 without -msse4.2 for the whole file; only called after the CPU check.
__attribute__((target("sse4.2"))) uint64_t load_crc_u64(uint64_t c, const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return _mm_crc32_u64(c, v);
}

__attribute__((target("sse4.2"))) uint32_t hardware(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  for (; n >= 3 * kStripe; n -= 3 * kStripe, p += 3 * kStripe) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    for (size_t i = 0; i < kStripe; i += 8) {
      c = load_crc_u64(c, p + i);
      c1 = load_crc_u64(c1, p + kStripe + i);
      c2 = load_crc_u64(c2, p + 2 * kStripe + i);
    }
    c = shift_stripe(shift_stripe(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1)) ^
        static_cast<uint32_t>(c2);
  }
  for (; n >= 8; n -= 8, p += 8)
    c = load_crc_u64(c, p);
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p)
    c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

bool hardware_available() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

#else

uint32_t hardware(const void* data, size_t n, uint32_t crc) {
  return software(data, n, crc);
}
bool hardware_available() {
  return false;
}

#endif

}  // namespace crc32c_internal

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  if (crc32c_internal::hardware_available()) return crc32c_internal::hardware(data, n, crc);
  return crc32c_internal::software(data, n, crc);
}

}  // namespace gregor
