#include "storage/log_cleaner.h"

#include <algorithm>
#include <chrono>
#include <tuple>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/thread_name.h"

namespace gregor::storage {

namespace {}  // namespace

LogCleaner::LogCleaner(LogManager& logs, CleanerOptions options) : logs_(logs), options_(options) {
  const OffsetMap checkpointed = logs_.read_checkpoints(kCleanerOffsetCheckpoint);
  for (const auto& [tp, log] : logs_.all()) {
    if (auto it = checkpointed.find(tp); it != checkpointed.end()) {
      first_dirty_[tp] = Cleaned{log, it->second};
    }
  }
}

LogCleaner::~LogCleaner() {
  stop();
}

void LogCleaner::start() {
  for (int32_t i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this, i] { run(static_cast<size_t>(i)); });
    name_thread(threads_.back(), "cleaner-" + std::to_string(i));
  }
}

void LogCleaner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

std::pair<std::shared_ptr<Log>, CleanableRange> LogCleaner::choose(int64_t now_ms,
                                                                   TopicPartition& chosen_tp) {
  std::shared_ptr<Log> chosen, expired;  // expired: due only for its tombstones' horizon
  CleanableRange range, expired_range;
  TopicPartition expired_tp;
  const auto all = logs_.all();
  // Forget logs that were removed (or replaced by a new log of the same partition).
  std::erase_if(first_dirty_, [&](const auto& entry) {
    return std::none_of(all.begin(), all.end(), [&](const auto& tp_log) {
      return tp_log.first == entry.first && tp_log.second == entry.second.log.lock();
    });
  });
  for (const auto& [tp, log] : all) {
    if (in_progress_.contains(log.get()) || !is_compacted(log->config())) continue;
    const auto it = first_dirty_.find(tp);
    const CleanableRange candidate =
        cleanable_range(*log, it == first_dirty_.end() ? 0 : it->second.first_dirty, now_ms);
    if (candidate.due && (!chosen || candidate.dirty_ratio() > range.dirty_ratio())) {
      chosen = log;
      chosen_tp = tp;
      range = candidate;
    }
    if (!chosen && !expired && it != first_dirty_.end() && it->second.delete_horizon >= 0 &&
        it->second.delete_horizon <= now_ms) {
      expired = log;
      expired_tp = tp;
      expired_range = candidate;
    }
  }
  if (!chosen && expired) {
    chosen_tp = expired_tp;
    return {expired, expired_range};
  }
  return {chosen, range};
}

bool LogCleaner::clean_one(KeyOffsetMap& map, int64_t now_ms) {
  TopicPartition tp;
  std::shared_ptr<Log> chosen;
  CleanableRange range;
  {
    std::lock_guard lock(mutex_);
    std::tie(chosen, range) = choose(now_ms, tp);
    if (!chosen) return false;
    in_progress_.insert(chosen.get());
  }
  const auto began = std::chrono::steady_clock::now();
  const CleanStats stats = clean_log(*chosen, range, map, now_ms, &stopping_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double mb_per_s = static_cast<double>(stats.bytes_read) / 1e6 / seconds;
  spdlog::info("{}: cleaned offsets [{}, {}): {} segments into {}, {} -> {} bytes", chosen->dir(),
               range.first_dirty, stats.cleaned_upto, stats.segments, stats.cleaned_segments,
               stats.bytes_read, stats.bytes_written);
  spdlog::info("{}: {} of {} records kept, {} keys mapped in {} bytes, {} MB/s", chosen->dir(),
               stats.records_kept, stats.records_read, stats.map_keys, stats.map_memory_bytes,
               static_cast<int64_t>(mb_per_s));
  {
    std::lock_guard lock(mutex_);
    in_progress_.erase(chosen.get());
    if (stats.error == ErrorCode::kNone) {
      first_dirty_[tp] = Cleaned{chosen, stats.cleaned_upto, stats.latest_delete_horizon};
    }
  }
  if (stats.error == ErrorCode::kNone) checkpoint();
  // A pass for expired tombstones (range not due) makes no progress in offsets; any other pass
  // must, or the thread would spin on a log it cannot advance (a full key map).
  const bool progress =
      stats.cleaned_upto > range.first_dirty || (!range.due && stats.segments > 0);
  return stats.error == ErrorCode::kNone && progress;
}

void LogCleaner::checkpoint() {
  std::lock_guard checkpoint_lock(checkpoint_mutex_);
  OffsetMap offsets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, cleaned] : first_dirty_)
      offsets.emplace(tp, cleaned.first_dirty);
  }
  logs_.write_checkpoints(kCleanerOffsetCheckpoint, offsets);
}

void LogCleaner::run(size_t index) {
  const int64_t share = options_.dedupe_buffer_bytes / std::max(options_.threads, 1);
  KeyOffsetMap map(share);
  spdlog::info("log cleaner thread {} started ({} MB key map)", index, map.memory_bytes() >> 20);
  while (!stopping_.load()) {
    if (clean_one(map, wall_clock_ms())) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.backoff_ms),
                   [this] { return stopping_.load(); });
  }
}

}  // namespace gregor::storage
