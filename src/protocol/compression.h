// The four Kafka batch codecs, as the clients frame them:
//   gzip    a gzip stream (RFC 1952); concatenated members are accepted.
//   snappy  raw snappy (what librdkafka writes) or the xerial "\x82SNAPPY\0" block stream that
//           the Java client writes; compress() writes raw snappy, which both clients read.
//   lz4     the LZ4 frame format, one or more frames. compress() writes independent 64 KB blocks,
//           the only kind Kafka's Java reader (KafkaLZ4BlockInputStream) decodes.
//   zstd    one or more zstd frames, with or without a content size, decoded as a stream.
// Used to look inside batches (records.h) and to rebuild them (compaction, tests); the produce
// path never decompresses.
//
//   std::vector<uint8_t> plain;
//   ErrorCode err = decompress(Compression::kZstd, compressed, plain, 16 << 20);
//   if (err != ErrorCode::kNone) return err;  // kCorruptMessage for garbage or a bomb
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"

namespace gregor::protocol {

// Replaces `out` with the decompressed `in` (its capacity is reused). Returns kCorruptMessage
// when `in` is not a complete, valid stream of the codec or would decompress to more than
// `max_out` bytes (checked while decoding, so a bomb costs at most max_out bytes of memory);
// kUnsupportedCompressionType for codec values 5-7. kNone copies `in`.
ErrorCode decompress(Compression codec, ByteView in, std::vector<uint8_t>& out, size_t max_out);

// The codec library's own default level.
inline constexpr int kDefaultLevel = INT32_MIN;

// Replaces `out` with `in` compressed by `codec` at `level` (zlib's 1-9 or -1 for gzip, zstd's
// levels; lz4 and snappy ignore it). Returns kUnsupportedCompressionType for codec values 5-7,
// kMessageTooLarge for inputs of 2 GiB or more (no batch can hold them).
ErrorCode compress(Compression codec, ByteView in, std::vector<uint8_t>& out,
                   int level = kDefaultLevel);

// Appends to `out` a copy of `batch` (one whole, valid v2 batch) whose records are compressed by
// `codec` instead: same header except the codec bits, the length and the CRC. The records are not
// decoded, only their section decompressed (at most max_decompressed bytes, into `scratch`) and
// compressed again. Errors as decompress() and compress().
ErrorCode recompress_batch(ByteView batch, Compression codec, int level, size_t max_decompressed,
                           std::vector<uint8_t>& scratch, std::vector<uint8_t>& out);

}  // namespace gregor::protocol
