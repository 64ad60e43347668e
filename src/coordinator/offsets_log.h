// Where the coordinator keeps its state durably: the partitions of the internal topic
// __consumer_offsets. An interface so that the coordinator does not depend on the broker; the
// broker implements it over its partitions and flusher (broker/offsets_topic.h), unit tests with
// an in-memory fake.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"

namespace gregor::coordinator {

class OffsetsLog {
 public:
  virtual ~OffsetsLog() = default;
  virtual int32_t partition_count() const = 0;
  // Creates the storage if it does not exist yet (the broker creates __consumer_offsets on first
  // use). Called without the coordinator's locks: the partitions this broker then leads are
  // reported to the coordinator (GroupCoordinator::begin_leading) before it returns.
  virtual void ensure_created() {}
  // Appends one record batch (built with protocol::encode_batch) to `partition`; `done` runs,
  // on any thread and never under the caller's locks, with kNone once the batch is durable.
  virtual void append(int32_t partition, std::vector<uint8_t> batch,
                      std::function<void(ErrorCode)> done) = 0;
  // Calls `fn` with every batch of `partition`, from the log start up to its end, in order.
  virtual ErrorCode read_all(int32_t partition,
                             const std::function<void(protocol::ByteView batch)>& fn) = 0;
};

// The error a group request reports when its records could not be stored: NOT_COORDINATOR when
// this broker no longer leads the partition (the client finds the new coordinator), else
// COORDINATOR_NOT_AVAILABLE (it retries), as Kafka maps them.
inline ErrorCode store_failure(ErrorCode stored) {
  if (stored == ErrorCode::kNone || stored == ErrorCode::kNotCoordinator) return stored;
  return ErrorCode::kCoordinatorNotAvailable;
}

}  // namespace gregor::coordinator
