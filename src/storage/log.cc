// Log: append, read, flush and the other operations of a live log. Opening and recovery are in
// log_loader.cc, truncation and deletion in log_truncation.cc.
#include "storage/log.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "storage/file_util.h"

namespace gregor::storage {

namespace {}  // namespace

Log::Log(Env& env, std::string dir, const LogConfig& config)
    : env_(env),
      dir_(std::move(dir)),
      config_(config),
      epochs_(dir_ + "/" + kLeaderEpochCheckpoint, env) {
  last_flush_ms_.store(wall_clock_ms());
}

Log::~Log() = default;

std::shared_ptr<const Log::SegmentList> Log::segments() const {
  std::lock_guard lock(list_mutex_);
  return segments_;
}

void Log::publish(std::shared_ptr<const SegmentList> list) {
  std::lock_guard lock(list_mutex_);
  segments_ = std::move(list);
}

ErrorCode Log::check_append(std::span<const uint8_t> batches,
                            const std::vector<protocol::BatchHeader>& headers,
                            size_t& total) const {
  if (closed_) return ErrorCode::kKafkaStorageError;
  total = 0;
  for (const auto& header : headers)
    total += header.total_size();
  if (headers.empty() || total > batches.size()) return ErrorCode::kCorruptMessage;
  return ErrorCode::kNone;
}

AppendResult Log::append(std::span<uint8_t> batches,
                         const std::vector<protocol::BatchHeader>& headers, int32_t leader_epoch,
                         int64_t now_ms) {
  std::lock_guard lock(append_mutex_);
  AppendResult result;
  size_t total = 0;
  result.error = check_append(batches, headers, total);
  if (result.error != ErrorCode::kNone) return result;
  const bool append_time = config_.timestamp_type == protocol::TimestampType::kLogAppendTime;
  const int64_t base = log_end_offset_.load(std::memory_order_relaxed);
  int64_t next = base;
  size_t at = 0;
  metas_.clear();
  for (const protocol::BatchHeader& header : headers) {
    const size_t size = header.total_size();
    auto batch = batches.subspan(at, size);
    protocol::assign_offsets(batch, next, leader_epoch);
    if (append_time) protocol::set_log_append_time(batch, now_ms);
    const int64_t last = next + header.last_offset_delta;
    metas_.push_back(
        {next, last, append_time ? now_ms : header.max_timestamp, static_cast<int64_t>(size)});
    next = last + 1;
    at += size;
  }
  // Once per leadership: every later append of this leader sees an equal epoch.
  if (leader_epoch > epochs_.latest_epoch()) epochs_.assign(leader_epoch, base);
  result = write_batches(batches.first(at), base, next, now_ms);
  if (result.error == ErrorCode::kNone && append_time) result.log_append_time = now_ms;
  return result;
}

AppendResult Log::append_as_follower(std::span<uint8_t> batches,
                                     const std::vector<protocol::BatchHeader>& headers) {
  std::lock_guard lock(append_mutex_);
  AppendResult result;
  size_t total = 0;
  result.error = check_append(batches, headers, total);
  if (result.error != ErrorCode::kNone) return result;
  int64_t previous_last = log_end_offset_.load(std::memory_order_relaxed) - 1;
  metas_.clear();
  for (const protocol::BatchHeader& header : headers) {
    const int64_t last = header.last_offset();
    if (header.base_offset <= previous_last || last < header.base_offset) {
      spdlog::warn("{}: follower append refused: batch at offset {} after offset {}", dir_,
                   header.base_offset, previous_last);
      result.error = ErrorCode::kUnknownServerError;
      return result;
    }
    metas_.push_back({header.base_offset, last, header.max_timestamp,
                      static_cast<int64_t>(header.total_size())});
    previous_last = last;
  }
  for (const protocol::BatchHeader& header : headers) {
    if (header.partition_leader_epoch > epochs_.latest_epoch()) {
      epochs_.assign(header.partition_leader_epoch, header.base_offset);
    }
  }
  return write_batches(batches.first(total), headers.front().base_offset, previous_last + 1,
                       wall_clock_ms());
}

AppendResult Log::write_batches(std::span<const uint8_t> bytes, int64_t first_offset,
                                int64_t next_offset, int64_t now_ms) {
  AppendResult result;
  const auto size = static_cast<int64_t>(bytes.size());
  auto active = segments()->back();
  // An empty active segment never asks to roll, but a follower's first batch may lie too far
  // above its base for the indexes' 32-bit relative offsets.
  const bool too_far =
      next_offset - 1 - active->base_offset() > std::numeric_limits<int32_t>::max();
  if (too_far || active->should_roll(size, static_cast<int64_t>(metas_.size()), next_offset - 1,
                                     now_ms, config_)) {
    result.error = roll(first_offset);
    if (result.error != ErrorCode::kNone) return result;
    active = segments()->back();
  }
  result.error = active->append(bytes, metas_, now_ms);
  if (result.error != ErrorCode::kNone) return result;
  const int64_t previous_end = log_end_offset_.load(std::memory_order_relaxed);
  log_end_offset_.store(next_offset, std::memory_order_release);
  appended_messages_.fetch_add(next_offset - previous_end, std::memory_order_relaxed);
  result.base_offset = first_offset;
  result.last_offset = next_offset - 1;
  result.log_start_offset = log_start_offset_.load(std::memory_order_relaxed);
  return result;
}

ErrorCode Log::roll(int64_t base_offset) {
  auto list = segments();
  auto& old_active = list->back();
  if (!old_active->seal()) spdlog::warn("cannot trim the indexes of {}", old_active->log_path());
  auto created = Segment::create(dir_, base_offset, config_, {}, env_);
  if (!created) {
    old_active->unseal();
    return ErrorCode::kKafkaStorageError;
  }
  auto rolled = std::make_shared<SegmentList>(*list);
  rolled->push_back(std::move(created));
  publish(std::move(rolled));
  dir_dirty_ = true;
  spdlog::info("{}: rolled to a new segment at offset {}", dir_, base_offset);
  return ErrorCode::kNone;
}

ReadResult Log::read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                     int64_t max_offset_exclusive) const {
  ReadResult result;
  // The end offset first, then the list: the list is at least as recent as the end offset.
  const int64_t end = log_end_offset();
  const auto list = segments();
  if (offset < log_start_offset() || offset > end) {
    result.error = ErrorCode::kOffsetOutOfRange;
    return result;
  }
  if (offset == end || offset >= max_offset_exclusive) return result;
  auto it = std::upper_bound(list->begin(), list->end(), offset,
                             [](int64_t o, const auto& s) { return o < s->base_offset(); });
  if (it != list->begin()) --it;
  // Normally the first segment tried holds `offset`; the next one only if `offset` falls in a
  // gap at the end of it.
  for (; it != list->end(); ++it) {
    auto outcome = (*it)->read(offset, max_bytes, min_one_batch, max_offset_exclusive);
    if (outcome.found) {
      result.slice = std::move(outcome.slice);
      break;
    }
  }
  return result;
}

std::optional<std::pair<int64_t, int64_t>> Log::offset_for_timestamp(int64_t timestamp) const {
  const auto list = segments();
  const int64_t start = log_start_offset();
  for (const auto& segment : *list) {
    if (segment->max_timestamp() < timestamp || segment->next_offset() <= start) continue;
    if (auto found = segment->find_timestamp(timestamp, start)) return found;
  }
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> Log::offset_of_max_timestamp() const {
  const auto list = segments();
  const int64_t start = log_start_offset();
  int64_t largest = -1;
  for (const auto& segment : *list) {
    if (segment->next_offset() > start) largest = std::max(largest, segment->max_timestamp());
  }
  if (largest < 0) return std::nullopt;
  return offset_for_timestamp(largest);
}

ErrorCode Log::flush(FlushScope scope) {
  std::lock_guard flush_lock(flush_mutex_);
  std::shared_ptr<const SegmentList> list;
  int64_t end = 0, messages = 0;
  bool dir_was_dirty = false;
  std::string dir;
  {
    std::lock_guard lock(append_mutex_);
    list = segments();
    end = log_end_offset_.load(std::memory_order_relaxed);
    messages = appended_messages_.load(std::memory_order_relaxed);
    dir_was_dirty = std::exchange(dir_dirty_, false);
    dir = dir_;
  }
  const int64_t from = recovery_point_.load(std::memory_order_relaxed);
  const auto& active = list->back();
  const bool active_indexes = scope == FlushScope::kEverything;
  bool ok = true;
  for (const auto& segment : *list) {
    if (segment == active) {
      ok = segment->flush(active_indexes) && ok;
    } else if (segment->next_offset() > from) {
      ok = segment->flush() && ok;
    }
  }
  if (dir_was_dirty && !sync_dir(env_, dir)) ok = false;
  if (!ok) {
    if (dir_was_dirty) {
      std::lock_guard lock(append_mutex_);
      dir_dirty_ = true;
    }
    spdlog::error("{}: flush failed; data above offset {} may not be durable", dir, from);
    return ErrorCode::kKafkaStorageError;
  }
  const int64_t recovered_to = active_indexes ? end : std::min(end, active->base_offset());
  if (recovered_to > from) recovery_point_.store(recovered_to, std::memory_order_release);
  if (end > flushed_offset_.load(std::memory_order_relaxed)) {
    flushed_offset_.store(end, std::memory_order_release);
  }
  flushed_messages_.store(messages, std::memory_order_relaxed);
  last_flush_ms_.store(wall_clock_ms(), std::memory_order_relaxed);
  return ErrorCode::kNone;
}

bool Log::flush_due(int64_t now_ms) const {
  const int64_t pending = appended_messages_.load(std::memory_order_relaxed) -
                          flushed_messages_.load(std::memory_order_relaxed);
  if (pending <= 0) return false;
  const LogConfig settings = config();
  return pending >= settings.flush_messages ||
         now_ms - last_flush_ms_.load(std::memory_order_relaxed) >= settings.flush_ms;
}

ErrorCode Log::advance_log_start_offset(int64_t offset) {
  std::lock_guard lock(append_mutex_);
  if (offset > log_end_offset_.load(std::memory_order_relaxed)) {
    return ErrorCode::kOffsetOutOfRange;
  }
  if (offset > log_start_offset_.load(std::memory_order_relaxed)) {
    log_start_offset_.store(offset, std::memory_order_release);
    if (!closed_) epochs_.truncate_from_start(offset);
  }
  return ErrorCode::kNone;
}

int64_t Log::size_bytes() const {
  int64_t total = 0;
  for (const auto& segment : *segments())
    total += segment->size();
  return total;
}

size_t Log::segment_count() const {
  return segments()->size();
}

std::string Log::dir() const {
  std::lock_guard lock(append_mutex_);
  return dir_;
}

LogConfig Log::config() const {
  std::lock_guard lock(append_mutex_);
  return config_;
}

void Log::set_config(const LogConfig& config) {
  std::lock_guard lock(append_mutex_);
  config_ = config;
}

}  // namespace gregor::storage
