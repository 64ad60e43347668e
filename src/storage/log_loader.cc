// Log::open: finds the segments of a log directory and brings them to a consistent state,
// recovering the ones that may hold unflushed data. Runs before the Log is shared.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "storage/file_util.h"
#include "storage/log.h"

namespace gregor::storage {

namespace {

// Creates `dir` if missing (and makes its name durable). False on error.
bool ensure_dir(Env& env, const std::string& dir) {
  if (env.mkdir(dir, 0755) == 0) return sync_dir(env, parent_dir(dir));
  return errno == EEXIST;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Calls `visit` with each batch header of the log file at `path`, in order, up to `size` bytes
// (-1: the whole file), stopping at the first unreadable header.
template <typename Visit>
void for_each_batch_header(Env& env, const std::string& path, int64_t size, Visit&& visit) {
  const int fd = env.open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  uint8_t header[protocol::kBatchHeaderSize];
  for (int64_t position = 0;
       (size < 0 || position < size) && pread_full(env, fd, header, sizeof header, position) ==
                                            static_cast<int64_t>(sizeof header);) {
    const auto parsed = protocol::parse_batch_header(protocol::ByteView(header, sizeof header));
    if (!parsed) break;
    visit(*parsed);
    position += static_cast<int64_t>(parsed->total_size());
  }
  env.close(fd);
}

// One past the last offset in the batches of the log file at `path` (`base` if none).
int64_t next_offset_in(Env& env, const std::string& path, int64_t base) {
  int64_t next = base;
  for_each_batch_header(env, path, -1, [&next](const protocol::BatchHeader& header) {
    next = std::max(next, header.last_offset() + 1);
  });
  return next;
}

// Removes the segments whose base offset lies in (base, next): a group merged into the cleaned
// segment at `base` whose swap was interrupted (Log::swap_segments renames them first).
void remove_merged_segments(Env& env, const std::string& dir, int64_t base, int64_t next) {
  std::vector<int64_t> covered;
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return;
  while (const dirent* entry = ::readdir(handle)) {
    const auto other = parse_segment_file_name(entry->d_name, kLogSuffix);
    if (other && *other > base && *other < next) covered.push_back(*other);
  }
  ::closedir(handle);
  for (int64_t other : covered) {
    spdlog::warn("{}: removing segment {}, merged into cleaned segment {}", dir, other, base);
    for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix})
      env.unlink(segment_file_path(dir, other, suffix));
  }
}

// Finishes or rolls back the cleaner's interrupted swaps (see Log::swap_segments). A
// `<base>.log.swap` means the cleaned segment was complete: the segments it covers are removed
// (the group merged into it) and its `.swap` files renamed over the segment's (the indexes may
// have been renamed already). `.swap` index files without a log swap are an unfinished rename to
// `.swap`: removed, as are `.cleaned` files (list_segments).
void finish_swaps(Env& env, const std::string& dir) {
  std::vector<int64_t> complete;
  std::vector<std::string> names;
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string_view name = entry->d_name;
    if (!ends_with(name, kSwapSuffix)) continue;
    names.emplace_back(name);
    if (auto base = parse_segment_file_name(name, std::string(kLogSuffix) + kSwapSuffix)) {
      complete.push_back(*base);
    }
  }
  ::closedir(handle);
  for (int64_t base : complete) {
    spdlog::warn("{}: completing the interrupted swap of cleaned segment {}", dir, base);
    const std::string log_swap = segment_file_path(dir, base, kLogSuffix) + kSwapSuffix;
    remove_merged_segments(env, dir, base, next_offset_in(env, log_swap, base));
    for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix}) {
      const std::string path = segment_file_path(dir, base, suffix);
      if (::access((path + kSwapSuffix).c_str(), F_OK) != 0) continue;
      env.rename(path + kSwapSuffix, path);
    }
  }
  for (const std::string& name : names) {
    if (env.unlink(dir + "/" + name) == 0) {  // only what was not renamed above
      spdlog::warn("{}: removed {} of an unfinished cleaning", dir, name);
    }
  }
  if (!names.empty()) sync_dir(env, dir);
}

// Base offsets of the `.log` files in `dir`, sorted. Removes index files without a log (a
// crash between unlinks) and Kafka's leftovers of interrupted deletes and cleanings.
bool list_segments(Env& env, const std::string& dir, std::vector<int64_t>& bases) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return false;
  std::vector<std::string> orphans;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string_view name = entry->d_name;
    if (auto base = parse_segment_file_name(name, kLogSuffix)) {
      bases.push_back(*base);
    } else if (ends_with(name, ".deleted") || ends_with(name, ".cleaned") ||
               ends_with(name, ".tmp")) {
      orphans.emplace_back(name);
    }
  }
  ::closedir(handle);
  std::sort(bases.begin(), bases.end());
  for (const auto& name : orphans)
    env.unlink(dir + "/" + name);
  for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix}) {
    handle = ::opendir(dir.c_str());
    if (handle == nullptr) return false;
    while (const dirent* entry = ::readdir(handle)) {
      auto base = parse_segment_file_name(entry->d_name, suffix);
      if (base && !std::binary_search(bases.begin(), bases.end(), *base)) {
        orphans.emplace_back(entry->d_name);
      }
    }
    ::closedir(handle);
  }
  for (const auto& name : orphans)
    env.unlink(dir + "/" + name);
  return true;
}

}  // namespace

OpenLogResult Log::open(const std::string& dir, const LogConfig& config, bool needs_recovery,
                        int64_t recovery_point, int64_t log_start_offset, Env& env) {
  OpenLogResult result;
  std::shared_ptr<Log> log(new Log(env, dir, config));
  result.error = log->load(needs_recovery, recovery_point, log_start_offset);
  if (result.error == ErrorCode::kNone) result.log = std::move(log);
  return result;
}

ErrorCode Log::load_segment(Segment& segment, bool trusted, int64_t now_ms, bool& truncated) {
  truncated = false;
  if (trusted) {
    const bool sane = segment.indexes_sane();
    if (!sane) spdlog::warn("{}: index missing or corrupt; rebuilding", segment.log_path());
    if (sane ? segment.load_state(now_ms) : segment.rebuild_indexes(now_ms)) {
      return ErrorCode::kNone;
    }
    spdlog::warn("{}: bad batch below the recovery point; recovering", segment.log_path());
  }
  const int64_t cut = segment.recover(now_ms);
  if (cut < 0) return ErrorCode::kKafkaStorageError;
  truncated = cut > 0;
  return ErrorCode::kNone;
}

ErrorCode Log::load(bool needs_recovery, int64_t recovery_point, int64_t log_start_offset) {
  std::vector<int64_t> bases;
  if (ensure_dir(env_, dir_)) finish_swaps(env_, dir_);
  if (!ensure_dir(env_, dir_) || !list_segments(env_, dir_, bases)) {
    spdlog::error("cannot read log directory {}: {}", dir_, std::strerror(errno));
    return ErrorCode::kKafkaStorageError;
  }
  const int64_t now_ms = wall_clock_ms();
  auto list = std::make_shared<SegmentList>();
  for (size_t i = 0; i < bases.size(); ++i) {
    auto segment = Segment::open(dir_, bases[i], config_, env_);
    if (!segment) return ErrorCode::kKafkaStorageError;
    // Trusted: every offset it holds is below the recovery point, so it was flushed.
    const bool trusted =
        !needs_recovery || (i + 1 < bases.size() && bases[i + 1] <= recovery_point);
    bool truncated = false;
    const ErrorCode error = load_segment(*segment, trusted, now_ms, truncated);
    if (error != ErrorCode::kNone) return error;
    list->push_back(std::move(segment));
    if (truncated) {
      // Whatever follows a corrupt batch was written after it: it cannot be trusted either.
      for (size_t j = i + 1; j < bases.size(); ++j) {
        spdlog::warn("{}: dropping segment {} after a corrupt one", dir_, bases[j]);
        if (auto later = Segment::open(dir_, bases[j], config_, env_)) later->remove_files();
      }
      sync_dir(env_, dir_);
      break;
    }
  }
  if (list->empty()) {
    auto fresh = Segment::create(dir_, std::max<int64_t>(0, log_start_offset), config_, {}, env_);
    if (!fresh) return ErrorCode::kKafkaStorageError;
    list->push_back(std::move(fresh));
    dir_dirty_ = true;
  }
  for (size_t i = 0; i + 1 < list->size(); ++i)
    (*list)[i]->seal();
  if (!list->back()->unseal()) return ErrorCode::kKafkaStorageError;
  const int64_t end = list->back()->next_offset();
  log_end_offset_.store(end);
  log_start_offset_.store(std::clamp(log_start_offset, list->front()->base_offset(), end));
  recovery_point_.store(needs_recovery ? std::clamp<int64_t>(recovery_point, 0, end) : end);
  flushed_offset_.store(recovery_point_.load());
  segments_ = std::move(list);
  load_epochs(*segments_);
  spdlog::info("loaded log {}: offsets [{}, {}), {} segments{}", dir_, log_start_offset_.load(),
               end, segments_->size(), needs_recovery ? ", recovered" : "");
  return ErrorCode::kNone;
}

void Log::load_epochs(const SegmentList& list) {
  const int64_t start = log_start_offset_.load();
  const int64_t end = log_end_offset_.load();
  const CheckpointStatus status = epochs_.load();
  if (status == CheckpointStatus::kCorrupt) {
    spdlog::warn("{}: {} is corrupt; rebuilding it from the batches", dir_, kLeaderEpochCheckpoint);
  }
  // Missing with records: written before Gregor kept epochs, or lost. Walking every batch
  // header is slow on a big log, so only then.
  if (status == CheckpointStatus::kCorrupt ||
      (status == CheckpointStatus::kMissing && end > start)) {
    std::vector<EpochEntry> rebuilt;
    for (const auto& segment : list) {
      for_each_batch_header(env_, segment->log_path(), segment->size(),
                            [&rebuilt](const auto& header) {
                              const int32_t epoch = header.partition_leader_epoch;
                              if (epoch >= 0 && (rebuilt.empty() || epoch > rebuilt.back().epoch)) {
                                rebuilt.push_back({epoch, header.base_offset});
                              }
                            });
    }
    epochs_.replace(std::move(rebuilt));
  }
  // A crash may have cut records whose epochs were already written down.
  epochs_.truncate_from_end(end);
  epochs_.truncate_from_start(start);
}

}  // namespace gregor::storage
