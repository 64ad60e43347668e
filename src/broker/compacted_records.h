// Kafka refuses a record without a key on a topic whose cleanup.policy contains `compact`: the
// cleaner could never tell which value such a record replaces. This check is the one place the
// produce path looks inside batches, and Partition::append runs it for compacted topics only,
// so the other topics keep their per-batch validation.
//
//   KeylessRecords keyless = find_keyless_records(payload, headers);
//   if (keyless.error != ErrorCode::kNone || !keyless.indexes.empty()) refuse();
//
// Called on network threads (Partition::append), over for_each_produced_record.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"

namespace gregor::broker {

struct KeylessRecords {
  // kCorruptMessage when a batch's records cannot be decoded (or decompress past 64 MiB).
  ErrorCode error = ErrorCode::kNone;
  // Index of each record without a key, counted from the first record of `payload` (with one
  // batch, as clients send, its index in the batch: Kafka's record error batch_index).
  std::vector<int32_t> indexes;
};

// `payload` holds validated batches back to back, one header each in `headers`
// (protocol::validate_batches). Control batches carry no keys and are skipped.
KeylessRecords find_keyless_records(protocol::ByteView payload,
                                    const std::vector<protocol::BatchHeader>& headers);

}  // namespace gregor::broker
