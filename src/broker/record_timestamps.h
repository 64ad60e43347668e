// message.timestamp.difference.max.ms (and Kafka 3.6's before/after split): a CreateTime record
// whose timestamp lies too far from the broker's clock is refused with INVALID_TIMESTAMP. Like
// the key check of compacted topics, this looks inside batches, so Partition::append runs it
// only when the topic sets a bound; by default (unlimited) the produce path does not decode.
//
//   OutOfRangeTimestamps bad = find_out_of_range_timestamps(payload, headers, bounds, now_ms);
//   if (bad.error != ErrorCode::kNone || !bad.indexes.empty()) refuse();
//
// Called on network threads; stateless apart from a per-thread buffer for decompression.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"
#include "storage/log_config.h"

namespace gregor::broker {

struct OutOfRangeTimestamps {
  // kCorruptMessage when a batch's records cannot be decoded.
  ErrorCode error = ErrorCode::kNone;
  // Index of each refused record, counted from the first record of `payload`.
  std::vector<int32_t> indexes;
  // Names the first refused record, its timestamp and the range allowed.
  std::string message;
};

// `payload` holds validated batches back to back, one header each in `headers`. LogAppendTime and
// control batches are skipped (their timestamps are the broker's).
OutOfRangeTimestamps find_out_of_range_timestamps(protocol::ByteView payload,
                                                  const std::vector<protocol::BatchHeader>& headers,
                                                  storage::TimestampBounds bounds, int64_t now_ms);

}  // namespace gregor::broker
