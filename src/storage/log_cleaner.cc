#include "storage/log_cleaner.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

namespace gregor::storage {

namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool compacted(const Log& log) {
  return log.config().cleanup_policy.find("compact") != std::string::npos;
}

}  // namespace

LogCleaner::LogCleaner(LogManager& logs, CleanerOptions options) : logs_(logs), options_(options) {}

LogCleaner::~LogCleaner() {
  stop();
}

void LogCleaner::start() {
  for (int32_t i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this, i] { run(static_cast<size_t>(i)); });
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

bool LogCleaner::clean_one(KeyOffsetMap& map, int64_t now_ms) {
  std::shared_ptr<Log> chosen;
  CleanableRange range;
  {
    std::lock_guard lock(mutex_);
    // Forget logs that were removed.
    const auto all = logs_.all();
    std::erase_if(first_dirty_, [&](const auto& entry) {
      return std::none_of(all.begin(), all.end(),
                          [&](const auto& tp_log) { return tp_log.second.get() == entry.first; });
    });
    for (const auto& [tp, log] : all) {
      if (in_progress_.contains(log.get()) || !compacted(*log)) continue;
      const auto it = first_dirty_.find(log.get());
      const CleanableRange candidate =
          cleanable_range(*log, it == first_dirty_.end() ? 0 : it->second, now_ms);
      if (candidate.due && (!chosen || candidate.dirty_ratio() > range.dirty_ratio())) {
        chosen = log;
        range = candidate;
      }
    }
    if (!chosen) return false;
    in_progress_.insert(chosen.get());
  }
  const auto began = std::chrono::steady_clock::now();
  const CleanStats stats = clean_log(*chosen, range, map, now_ms, &stopping_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double mb_per_s = static_cast<double>(stats.bytes_read) / 1e6 / seconds;
  spdlog::info("{}: cleaned offsets [{}, {}): {} segments, {} -> {} bytes", chosen->dir(),
               range.first_dirty, stats.cleaned_upto, stats.segments, stats.bytes_read,
               stats.bytes_written);
  spdlog::info("{}: {} of {} records kept, {} keys mapped in {} bytes, {} MB/s", chosen->dir(),
               stats.records_kept, stats.records_read, stats.map_keys, stats.map_memory_bytes,
               static_cast<int64_t>(mb_per_s));
  std::lock_guard lock(mutex_);
  in_progress_.erase(chosen.get());
  if (stats.error == ErrorCode::kNone) first_dirty_[chosen.get()] = stats.cleaned_upto;
  return stats.error == ErrorCode::kNone && stats.cleaned_upto > range.first_dirty;
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
