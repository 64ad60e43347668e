// Log: the delete policy (retention.ms, retention.bytes, the log start offset). Runs on a
// background thread only, never on network threads.
#include <algorithm>
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "storage/file_util.h"
#include "storage/log.h"

namespace gregor::storage {

namespace {

bool has_delete_policy(const std::string& policy) {
  return policy.find("delete") != std::string::npos;
}

}  // namespace

int Log::delete_expired_segments(int64_t now_ms) {
  std::vector<std::string> doomed;  // `.deleted` files, unlinked once the lock is released
  int removed = 0;
  std::string dir;
  {
    std::lock_guard lock(append_mutex_);
    if (closed_) return 0;
    dir = dir_;
    const auto list = segments();
    const bool time_and_size = has_delete_policy(config_.cleanup_policy);
    const int64_t start = log_start_offset_.load(std::memory_order_relaxed);
    int64_t excess = -1;  // bytes above retention.bytes still to remove
    if (time_and_size && config_.retention_bytes >= 0) {
      int64_t total = 0;
      for (const auto& segment : *list)
        total += segment->size();
      excess = total - config_.retention_bytes;
    }
    size_t keep_from = 0;
    // The prefix of deletable segments; the active (last) one always stays.
    for (; keep_from + 1 < list->size(); ++keep_from) {
      const Segment& segment = *(*list)[keep_from];
      const bool below_start = segment.next_offset() <= start;
      const bool expired = time_and_size && config_.retention_ms >= 0 &&
                           now_ms - segment.max_timestamp() > config_.retention_ms;
      const bool oversize = excess >= 0 && excess - segment.size() >= 0;
      if (!below_start && !expired && !oversize) break;
      if (excess >= 0) excess -= segment.size();
    }
    if (keep_from == 0) return 0;
    auto kept = std::make_shared<SegmentList>(list->begin() + static_cast<ptrdiff_t>(keep_from),
                                              list->end());
    const int64_t new_start = kept->front()->base_offset();
    // Readers check the start offset before the list: raise it first, so nobody looks for an
    // offset in a segment that is gone.
    if (new_start > start) log_start_offset_.store(new_start, std::memory_order_release);
    publish(kept);
    if (new_start > start) epochs_.truncate_from_start(new_start);
    // Renamed under the lock: a swap of the cleaner (swap_segments) cannot interleave.
    for (size_t i = 0; i < keep_from; ++i) {
      for (const std::string& path : (*list)[i]->file_paths()) {
        const std::string target = path + kDeletedSuffix;
        if (env_.rename(path, target) == 0) doomed.push_back(target);
      }
    }
    removed = static_cast<int>(keep_from);
    dir_dirty_ = true;
    spdlog::info("{}: retention removed {} segment(s); log start offset {}", dir_, removed,
                 log_start_offset_.load(std::memory_order_relaxed));
  }
  // Unlinking a file a reader still has open is safe: the inode lives until the last close.
  bool ok = true;
  for (const std::string& path : doomed)
    ok = env_.unlink(path) == 0 && ok;
  if (!sync_dir(env_, dir)) ok = false;
  return ok ? removed : -1;
}

}  // namespace gregor::storage
