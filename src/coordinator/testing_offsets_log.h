// An in-memory OffsetsLog for unit tests: batches are kept per partition; appends complete at
// once, or are held until release() when `hold` is set (to test waiting on durability).
// Not thread-safe: a test reading on the loader thread appends nothing meanwhile.
#pragma once

#include <algorithm>
#include <map>

#include "coordinator/offsets_log.h"

namespace gregor::coordinator {

class FakeOffsetsLog : public OffsetsLog {
 public:
  explicit FakeOffsetsLog(int32_t partitions = 50) : partitions_(partitions) {}

  int32_t partition_count() const override { return partitions_; }
  void append(int32_t partition, std::vector<uint8_t> batch,
              std::function<void(ErrorCode)> done) override {
    batches[partition].push_back(std::move(batch));
    if (hold) {
      held.push_back(std::move(done));
    } else {
      done(fail ? ErrorCode::kKafkaStorageError : ErrorCode::kNone);
    }
  }
  ErrorCode read_all(int32_t partition,
                     const std::function<void(protocol::ByteView)>& fn) override {
    if (before_read) before_read(partition);
    for (const auto& batch : batches[partition])
      fn(batch);
    return ErrorCode::kNone;
  }
  // Completes the held appends, oldest first or (as one flush may) newest first.
  void release(bool newest_first = false) {
    auto waiting = std::move(held);
    held.clear();
    if (newest_first) std::reverse(waiting.begin(), waiting.end());
    for (auto& done : waiting)
      done(ErrorCode::kNone);
  }

  std::map<int32_t, std::vector<std::vector<uint8_t>>> batches;
  std::vector<std::function<void(ErrorCode)>> held;
  bool hold = false;
  bool fail = false;
  // Runs at the start of each read_all (to hold a load on the loader thread).
  std::function<void(int32_t)> before_read;

 private:
  int32_t partitions_;
};

}  // namespace gregor::coordinator
