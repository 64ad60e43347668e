// Log: the operations that remove data or end the log: truncation, close, deletion.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "storage/file_util.h"
#include "storage/log.h"

namespace gregor::storage {

namespace {

// 32 lower-case hex digits, as Kafka's UUID without dashes in `-delete` directory names.
std::string random_hex_id() {
  std::random_device device;
  std::mt19937_64 generator(device());
  return fmt::format("{:016x}{:016x}", generator(), generator());
}

}  // namespace

ErrorCode Log::truncate_to(int64_t offset) {
  std::lock_guard lock(append_mutex_);
  if (closed_) return ErrorCode::kKafkaStorageError;
  if (offset >= log_end_offset_.load(std::memory_order_relaxed)) return ErrorCode::kNone;
  auto list = segments();
  if (offset < list->front()->base_offset()) return truncate_fully(offset);
  auto kept = std::make_shared<SegmentList>();
  std::vector<std::shared_ptr<Segment>> dropped;
  for (const auto& segment : *list) {
    (segment->base_offset() > offset ? dropped : *kept).push_back(segment);
  }
  auto& active = kept->back();
  const int64_t now_ms = wall_clock_ms();
  if (active->truncate_to(offset, now_ms) < 0 || !active->unseal()) {
    return ErrorCode::kKafkaStorageError;
  }
  publish(kept);
  bool ok = true;
  for (const auto& segment : dropped)
    ok = segment->remove_files() && ok;
  dir_dirty_ = dir_dirty_ || !dropped.empty();
  const int64_t end = active->next_offset();
  log_end_offset_.store(end, std::memory_order_release);
  if (recovery_point_.load() > end) recovery_point_.store(end, std::memory_order_release);
  if (flushed_offset_.load() > end) flushed_offset_.store(end, std::memory_order_release);
  if (log_start_offset_.load() > end) log_start_offset_.store(end, std::memory_order_release);
  epochs_.truncate_from_end(end);
  spdlog::info("{}: truncated to offset {}", dir_, end);
  return ok ? ErrorCode::kNone : ErrorCode::kKafkaStorageError;
}

ErrorCode Log::truncate_fully(int64_t offset) {
  auto list = segments();
  bool ok = true;
  for (const auto& segment : *list)
    ok = segment->remove_files() && ok;
  auto fresh = Segment::create(dir_, offset, config_, {}, env_);
  if (!fresh) return ErrorCode::kKafkaStorageError;
  publish(std::make_shared<SegmentList>(SegmentList{std::move(fresh)}));
  dir_dirty_ = true;
  log_end_offset_.store(offset, std::memory_order_release);
  log_start_offset_.store(offset, std::memory_order_release);
  recovery_point_.store(offset, std::memory_order_release);
  flushed_offset_.store(offset, std::memory_order_release);
  epochs_.clear();
  spdlog::info("{}: emptied, restarting at offset {}", dir_, offset);
  return ok ? ErrorCode::kNone : ErrorCode::kKafkaStorageError;
}

ErrorCode Log::close() {
  {
    std::lock_guard lock(append_mutex_);
    if (closed_) return ErrorCode::kNone;
    closed_ = true;
    if (!segments()->back()->seal()) spdlog::warn("{}: cannot trim the active indexes", dir_);
  }
  return flush();
}

ErrorCode Log::delete_files() {
  if (ErrorCode error = rename_for_deletion(); error != ErrorCode::kNone) return error;
  const std::string renamed = dir();
  const std::string parent = parent_dir(renamed);
  if (env_.remove_all(renamed) != 0) {
    // A leftover `-delete` directory is removed by the next LogManager start.
    spdlog::error("cannot remove {}: {}", renamed, std::strerror(errno));
    return ErrorCode::kKafkaStorageError;
  }
  sync_dir(env_, parent);
  return ErrorCode::kNone;
}

ErrorCode Log::rename_for_deletion() {
  std::lock_guard lock(append_mutex_);
  closed_ = true;
  const std::string parent = parent_dir(dir_);
  const std::string renamed = fmt::format("{}.{}-delete", dir_, random_hex_id());
  if (env_.rename(dir_, renamed) != 0) {
    spdlog::error("cannot rename {} for deletion: {}", dir_, std::strerror(errno));
    return ErrorCode::kKafkaStorageError;
  }
  sync_dir(env_, parent);
  dir_ = renamed;
  return ErrorCode::kNone;
}

}  // namespace gregor::storage
