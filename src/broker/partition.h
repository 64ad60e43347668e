// One topic-partition hosted by this broker: its log plus what the request path needs around it
// (validation of produced batches, the high watermark, wake-ups for waiting fetches).
// Owned by the ReplicaManager through shared_ptr; request handlers on any network thread hold a
// reference while they use it, so deleting the topic never pulls a log from under a request.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "protocol/record_batch.h"
#include "storage/log.h"

namespace gregor::broker {

// Something waiting for data to arrive in a partition (a delayed fetch). Called on the appending
// thread right after an append; must only schedule work, never block.
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  virtual void on_append() = 0;
};

struct ProduceResult {
  ErrorCode error = ErrorCode::kNone;
  // With kInvalidRecord: why, and the index of each offending record (Kafka's record_errors).
  std::string error_message;
  std::vector<int32_t> invalid_records;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

class Partition {
 public:
  Partition(std::string topic, int32_t index, std::shared_ptr<storage::Log> log);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  int32_t leader_epoch() const { return leader_epoch_; }
  storage::Log& log() { return *log_; }
  const std::shared_ptr<storage::Log>& shared_log() const { return log_; }

  // Offsets below the high watermark are visible to consumers. A single broker acknowledges
  // nothing it has not appended, so it is the log end offset.
  int64_t high_watermark() const { return log_->log_end_offset(); }

  // Validates the batches in `records` (modified in place: offsets and leader epoch are
  // assigned) and appends them. On a compacted topic a record without a key refuses the whole
  // payload with kInvalidRecord (nothing is appended).
  ProduceResult append(std::span<uint8_t> records, int64_t now_ms);

  // A topic config change on a running broker: the log's settings and the cached limit.
  void apply_config(const storage::LogConfig& config);

  // One-shot: `listener` is told about the next append, then forgotten.
  void watch_appends(std::weak_ptr<AppendListener> listener);

 private:
  void notify_listeners();
  // For a compacted topic: true if every record of `records` has a key; else false with
  // `result` set to the refusal (kInvalidRecord, or kCorruptMessage for undecodable records).
  bool accepts_keys(protocol::ByteView records, const std::vector<protocol::BatchHeader>& headers,
                    ProduceResult& result) const;

  const std::string topic_;
  const int32_t index_;
  const std::shared_ptr<storage::Log> log_;
  int32_t leader_epoch_ = 0;
  // The topic's max.message.bytes, kept here so that a produce does not copy the log's config.
  std::atomic<int32_t> max_batch_bytes_;
  // cleanup.policy contains compact: records must have keys (checked record by record).
  std::atomic<bool> compacted_;

  std::mutex listeners_mutex_;
  std::vector<std::weak_ptr<AppendListener>> listeners_;
};

}  // namespace gregor::broker
