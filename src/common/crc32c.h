// CRC32C (Castagnoli), the checksum of Kafka's RecordBatch v2. Uses the SSE4.2 crc32 instruction
// when the CPU has it (checked once at run time; three interleaved chains on inputs of 6 KiB and
// more) and a slicing-by-8 table otherwise, so the binary runs on any x86-64 and elsewhere.
//
//   uint32_t crc = gregor::crc32c(buf.data(), buf.size());
//   crc = gregor::crc32c(more.data(), more.size(), crc);  // extends: same as one call over both
#pragma once

#include <cstddef>
#include <cstdint>

namespace gregor {

// The CRC32C of data[0, n), continuing from `crc` (the result of a previous call; 0 to start).
// crc32c("123456789", 9) == 0xE3069283.
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

// The two implementations behind crc32c(), exposed so tests can compare them.
namespace crc32c_internal {
uint32_t software(const void* data, size_t n, uint32_t crc);
// Only callable when hardware_available().
uint32_t hardware(const void* data, size_t n, uint32_t crc);
bool hardware_available();
}  // namespace crc32c_internal

}  // namespace gregor
