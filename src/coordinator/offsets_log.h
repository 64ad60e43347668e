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
  // Appends one record batch (built with protocol::encode_batch) to `partition`; `done` runs,
  // on any thread and never under the caller's locks, with kNone once the batch is durable.
  virtual void append(int32_t partition, std::vector<uint8_t> batch,
                      std::function<void(ErrorCode)> done) = 0;
  // Calls `fn` with every batch of `partition`, from the log start, in order.
  virtual ErrorCode read_all(int32_t partition,
                             const std::function<void(protocol::ByteView batch)>& fn) = 0;
};

}  // namespace gregor::coordinator
