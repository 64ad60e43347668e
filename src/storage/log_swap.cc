// Log: the swap of a cleaned segment into the log, in place of the group of segments it was
// cleaned from. Runs on a cleaner thread; recovery of an interrupted swap is in log_loader.cc.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "storage/file_util.h"
#include "storage/log.h"

namespace gregor::storage {

SwapOutcome Log::swap_segments(std::span<const std::shared_ptr<Segment>> group, int64_t now_ms) {
  std::vector<std::string> doomed;  // `.deleted` files, unlinked once the lock is released
  std::string dir;
  {
    std::lock_guard lock(append_mutex_);
    if (closed_ || group.empty()) return SwapOutcome::kRefused;
    const auto list = segments();
    const auto first = std::find(list->begin(), list->end(), group.front());
    // The whole group, in order, and not the active segment (it may have grown since the
    // cleaner read it).
    if (list->end() - first <= static_cast<ptrdiff_t>(group.size()) ||
        !std::equal(group.begin(), group.end(), first)) {
      return SwapOutcome::kRefused;
    }
    // The rest of the group goes first: until `<base>.log.swap` is renamed, recovery would
    // remove any segment the cleaned one covers anyway (log_loader.cc).
    for (size_t i = 1; i < group.size(); ++i) {
      for (const std::string& path : group[i]->file_paths()) {
        const std::string target = path + kDeletedSuffix;
        if (env_.rename(path, target) != 0) return SwapOutcome::kFailed;
        doomed.push_back(target);
      }
    }
    // Indexes first, the log last: once `<base>.log.swap` is gone the swap is complete.
    const int64_t base = group.front()->base_offset();
    for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix}) {
      const std::string path = segment_file_path(dir_, base, suffix);
      if (env_.rename(path + kSwapSuffix, path) != 0) {
        spdlog::error("{}: cannot rename {}{}", dir_, path, kSwapSuffix);
        return SwapOutcome::kFailed;
      }
    }
    std::shared_ptr<Segment> cleaned = Segment::open(dir_, base, config_, env_);
    if (!cleaned || !(cleaned->load_state(now_ms) || cleaned->rebuild_indexes(now_ms))) {
      // The files on disk are the cleaned ones; the old segments keep serving their open
      // inodes until the next start loads them.
      spdlog::error("{}: cannot open cleaned segment {}", dir_, base);
      return SwapOutcome::kFailed;
    }
    auto replaced = std::make_shared<SegmentList>(list->begin(), first);
    replaced->push_back(std::move(cleaned));
    replaced->insert(replaced->end(), first + static_cast<ptrdiff_t>(group.size()), list->end());
    publish(std::move(replaced));
    dir_dirty_ = true;
    dir = dir_;
  }
  // Past this point the swap is done: a leftover `.deleted` file is removed at the next start.
  bool ok = true;
  for (const std::string& path : doomed)
    ok = env_.unlink(path) == 0 && ok;
  if (!ok || !sync_dir(env_, dir))
    spdlog::warn("{}: cannot remove the merged segments' files", dir);
  return SwapOutcome::kSwapped;
}

}  // namespace gregor::storage
