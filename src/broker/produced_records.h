// The records of a produce request's payload, for the checks that must look inside batches
// (keys on compacted topics, timestamp bounds). Called on network threads; stateless apart
// from a per-thread buffer for decompression, released when a rare large batch grew it.
//
//   ErrorCode error = for_each_produced_record(payload, headers, skip_none,
//       [&](const protocol::RecordView& record, int32_t index) { ... });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"
#include "protocol/records.h"

namespace gregor::broker {

// Decompressed records of one batch may not exceed this; larger ones are refused as corrupt
// (the same bound as the log cleaner's).
constexpr size_t kMaxProducedDecompressed = 64 << 20;

// Calls `fn` with each record of the batches of `payload` (validated, back to back, one header
// each in `headers`) and its index counted from the first record of the payload (with one
// batch, as clients send, its index in the batch: Kafka's record error batch_index). Control
// batches, and those `skip` returns true for, are counted but not decoded. Returns
// kCorruptMessage when a batch cannot be decoded, and stops there.
ErrorCode for_each_produced_record(
    protocol::ByteView payload, const std::vector<protocol::BatchHeader>& headers,
    const std::function<bool(const protocol::BatchHeader&)>& skip,
    const std::function<void(const protocol::RecordView&, int32_t index)>& fn);

}  // namespace gregor::broker
