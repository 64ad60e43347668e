#include "broker/partition.h"

#include <fmt/format.h>

#include "broker/compacted_records.h"

namespace gregor::broker {

Partition::Partition(std::string topic, int32_t index, std::shared_ptr<storage::Log> log)
    : topic_(std::move(topic)),
      index_(index),
      log_(std::move(log)),
      max_batch_bytes_(log_->config().max_message_bytes),
      compacted_(storage::is_compacted(log_->config())) {}

ProduceResult Partition::append(std::span<uint8_t> records, int64_t now_ms) {
  // Reused per thread: validation fills it with one header per batch, without allocating once
  // the vector has grown to the usual batch count.
  static thread_local std::vector<protocol::BatchHeader> headers;
  ProduceResult result;
  const protocol::ValidationLimits limits{max_batch_bytes_.load(std::memory_order_relaxed)};
  result.error = protocol::validate_batches(records, limits, headers);
  if (result.error != ErrorCode::kNone) return result;
  if (compacted_.load(std::memory_order_relaxed) && !accepts_keys(records, headers, result)) {
    return result;
  }
  auto appended = log_->append(records, headers, leader_epoch_, now_ms);
  result.error = appended.error;
  result.base_offset = appended.base_offset;
  result.last_offset = appended.last_offset;
  result.log_append_time = appended.log_append_time;
  result.log_start_offset = appended.log_start_offset;
  if (result.error == ErrorCode::kNone) notify_listeners();
  return result;
}

bool Partition::accepts_keys(protocol::ByteView records,
                             const std::vector<protocol::BatchHeader>& headers,
                             ProduceResult& result) const {
  KeylessRecords keyless = find_keyless_records(records, headers);
  if (keyless.error != ErrorCode::kNone) {
    result.error = keyless.error;
    return false;
  }
  if (keyless.indexes.empty()) return true;
  result.error = ErrorCode::kInvalidRecord;
  result.error_message =
      fmt::format("topic {} is compacted (cleanup.policy={}): every record needs a key", topic_,
                  log_->config().cleanup_policy);
  result.invalid_records = std::move(keyless.indexes);
  return false;
}

void Partition::apply_config(const storage::LogConfig& config) {
  log_->set_config(config);
  max_batch_bytes_.store(config.max_message_bytes, std::memory_order_relaxed);
  compacted_.store(storage::is_compacted(config), std::memory_order_relaxed);
}

void Partition::watch_appends(std::weak_ptr<AppendListener> listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(listener));
}

void Partition::notify_listeners() {
  std::vector<std::weak_ptr<AppendListener>> waiting;
  {
    std::lock_guard lock(listeners_mutex_);
    if (listeners_.empty()) return;
    waiting.swap(listeners_);
  }
  for (auto& weak : waiting) {
    if (auto listener = weak.lock()) listener->on_append();
  }
}

}  // namespace gregor::broker
