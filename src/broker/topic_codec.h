// compression.type: a topic that names a codec stores every batch in it. A produced batch in
// another codec is rebuilt (its records section decompressed and compressed again, the header
// kept apart from codec, length and CRC), as Kafka's broker does. With `producer`, Kafka's
// default, batches are stored as they arrive and none of this runs (Partition::append checks one
// cached value).
//
//   std::vector<uint8_t> rebuilt;
//   if (needs_recompression(headers, codec)) {
//     err = recompress_payload(payload, codec, level, limits, rebuilt, headers);
//     payload = rebuilt;
//   }
//
// Called on network threads; stateless apart from per-thread buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"

namespace gregor::broker {

// True when a batch of `headers` other than a control batch is not in `codec`.
bool needs_recompression(const std::vector<protocol::BatchHeader>& headers,
                         protocol::Compression codec);

// Replaces `out` with `payload` (validated batches, one header each in `headers`), every batch in
// `codec`: those already in it (and control batches) copied, the others rebuilt. Then validates
// the result again under `limits`, refreshing `headers`: a batch that grew past max.message.bytes
// is kMessageTooLarge. kCorruptMessage for records that do not decompress.
ErrorCode recompress_payload(protocol::ByteView payload, protocol::Compression codec, int level,
                             const protocol::ValidationLimits& limits, std::vector<uint8_t>& out,
                             std::vector<protocol::BatchHeader>& headers);

}  // namespace gregor::broker
