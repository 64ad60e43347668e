// Segment: files, append, roll rules, flush, truncation. Reads are in segment_read.cc, loading
// and recovery in segment_recovery.cc.
#include "storage/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <random>

#include <spdlog/spdlog.h>

#include "storage/file_util.h"

namespace gregor::storage {

Segment::Segment(Env& env, std::string dir, int64_t base_offset, std::string log_path,
                 const LogConfig& config, SharedFile file,
                 std::unique_ptr<OffsetIndex> offset_index, std::unique_ptr<TimeIndex> time_index)
    : env_(env),
      dir_(std::move(dir)),
      base_offset_(base_offset),
      index_interval_bytes_(config.index_interval_bytes),
      log_path_(std::move(log_path)),
      file_(std::move(file)),
      offset_index_(std::move(offset_index)),
      time_index_(std::move(time_index)),
      next_offset_(base_offset),
      offset_of_max_timestamp_(base_offset) {}

Segment::~Segment() = default;

std::unique_ptr<Segment> Segment::open_files(Env& env, const std::string& dir, int64_t base_offset,
                                             const LogConfig& config, bool truncate,
                                             std::string_view suffix) {
  const std::string log_path = segment_file_path(dir, base_offset, kLogSuffix).append(suffix);
  const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  const int fd = env.open(log_path, flags, 0644);
  if (fd < 0) {
    spdlog::error("cannot open segment {}: {}", log_path, std::strerror(errno));
    return nullptr;
  }
  auto file = std::make_shared<const FileHandle>(fd);
  const int64_t size = file_size(fd);
  auto offsets = OffsetIndex::open(segment_file_path(dir, base_offset, kIndexSuffix).append(suffix),
                                   base_offset, config.segment_index_bytes, env);
  auto times = TimeIndex::open(segment_file_path(dir, base_offset, kTimeIndexSuffix).append(suffix),
                               base_offset, config.segment_index_bytes, env);
  if (size < 0 || !offsets || !times) return nullptr;
  std::unique_ptr<Segment> segment(new Segment(env, dir, base_offset, log_path, config,
                                               std::move(file), std::move(offsets),
                                               std::move(times)));
  segment->size_.store(size, std::memory_order_release);
  return segment;
}

std::unique_ptr<Segment> Segment::create(const std::string& dir, int64_t base_offset,
                                         const LogConfig& config, std::string_view suffix,
                                         Env& env) {
  auto segment = open_files(env, dir, base_offset, config, /*truncate=*/true, suffix);
  if (!segment) return nullptr;
  if (config.segment_jitter_ms > 0) {
    thread_local std::mt19937_64 random(std::random_device{}());
    const auto bound = static_cast<uint64_t>(std::min(config.segment_jitter_ms, config.segment_ms));
    segment->roll_jitter_ms_ = static_cast<int64_t>(random() % bound);
  }
  segment->offset_index_->reset();
  segment->time_index_->reset();
  if (!segment->unseal()) return nullptr;
  return segment;
}

std::unique_ptr<Segment> Segment::open(const std::string& dir, int64_t base_offset,
                                       const LogConfig& config, Env& env) {
  return open_files(env, dir, base_offset, config, /*truncate=*/false, {});
}

bool Segment::should_roll(int64_t bytes, int64_t batch_count, int64_t last_offset, int64_t now_ms,
                          const LogConfig& config) const {
  const int64_t current = size();
  if (current == 0) return false;
  if (current + bytes > config.segment_bytes) return true;
  if (roll_base_ms_ >= 0 && now_ms - roll_base_ms_ >= config.segment_ms - roll_jitter_ms_) {
    return true;
  }
  // Each batch may add one entry to each index.
  const auto& offsets = offset_index_->file();
  const auto& times = time_index_->file();
  if (offsets.entries() + batch_count > offsets.max_entries()) return true;
  if (times.entries() + batch_count > times.max_entries() - 1) return true;
  return last_offset - base_offset_ > std::numeric_limits<int32_t>::max();
}

ErrorCode Segment::append(protocol::ByteView payload, std::span<const BatchMeta> batches,
                          int64_t now_ms) {
  const int64_t position = size_.load(std::memory_order_relaxed);
  reserve_ahead(position + static_cast<int64_t>(payload.size()));
  if (!pwrite_all(env_, file_->fd(), payload.data(), payload.size(), position)) {
    spdlog::error("write to {} failed: {}", log_path_, std::strerror(errno));
    // Drop any partial write so the file ends at the last whole batch.
    if (env_.ftruncate(file_->fd(), position) != 0) {
      spdlog::error("cannot cut {} back to {}: {}", log_path_, position, std::strerror(errno));
    }
    return ErrorCode::kKafkaStorageError;
  }
  if (position == 0) roll_base_ms_ = now_ms;
  int64_t at = position;
  for (const BatchMeta& batch : batches) {
    index_batch(batch, at);
    at += batch.size;
  }
  size_.store(at, std::memory_order_release);
  return ErrorCode::kNone;
}

void Segment::index_batch(const BatchMeta& batch, int64_t position) {
  if (batch.max_timestamp > max_timestamp_.load(std::memory_order_relaxed)) {
    max_timestamp_.store(batch.max_timestamp, std::memory_order_release);
    offset_of_max_timestamp_ = batch.last_offset;
  }
  // Kafka's rule: index a batch when more than index.interval.bytes lie between the last
  // indexed batch's start and this batch's start. A failed index append is not fatal: lookups
  // then land earlier and scan a little further.
  if (bytes_since_index_entry_ > index_interval_bytes_) {
    const int64_t max_ts = max_timestamp_.load(std::memory_order_relaxed);
    if (!offset_index_->append(batch.last_offset, position) ||
        !time_index_->maybe_append(max_ts, offset_of_max_timestamp_)) {
      spdlog::warn("index of {} is full or cannot grow; entry skipped", log_path_);
    }
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += batch.size;
  next_offset_.store(batch.last_offset + 1, std::memory_order_release);
}

// The filesystem allocates the blocks of the next stretch of the file in one go, ahead of the
// writes (FALLOC_FL_KEEP_SIZE: the file's size, which readers and recovery go by, is unchanged),
// instead of block by block inside each append's write: about 8 % more throughput with 1 KiB
// records. The stretch grows with the segment up to 8 MiB, so quiet partitions reserve next to
// nothing. Best effort: without it (no space, a filesystem that cannot) writes allocate as they
// go.
void Segment::reserve_ahead(int64_t end) {
  constexpr int64_t kMaxReserveBytes = 8 << 20;
  if (end <= reserved_end_) return;
  const int64_t stretch = std::min(kMaxReserveBytes, end);
  reserved_end_ = env_.fallocate(file_->fd(), FALLOC_FL_KEEP_SIZE, end, stretch) == 0
                      ? end + stretch
                      : end;  // tried again at the next append past it
}

bool Segment::seal() {
  // Blocks reserved past the end go back to the filesystem.
  if (reserved_end_ > size() && env_.ftruncate(file_->fd(), size()) != 0) {
    spdlog::warn("cannot release the space reserved after {}: {}", log_path_, std::strerror(errno));
  }
  reserved_end_ = 0;
  const int64_t max_ts = max_timestamp_.load(std::memory_order_relaxed);
  bool ok = time_index_->maybe_append(max_ts, offset_of_max_timestamp_, /*on_roll=*/true);
  ok = offset_index_->file().trim() && ok;
  return time_index_->file().trim() && ok;
}

bool Segment::unseal() {
  return offset_index_->file().grow() && time_index_->file().grow();
}

int64_t Segment::truncate_to(int64_t offset, int64_t now_ms) {
  const int64_t end = size();
  const auto located = find(offset, end);
  offset_index_->truncate_to(offset);
  time_index_->truncate_to(offset);
  if (!located) return 0;
  if (env_.ftruncate(file_->fd(), located->position) != 0) {
    spdlog::error("cannot truncate {}: {}", log_path_, std::strerror(errno));
    return -1;
  }
  size_.store(located->position, std::memory_order_release);
  // Offsets and timestamps of what is left: from the remaining index entries plus a scan.
  reset_state();
  if (!load_state(now_ms)) return -1;
  return end - located->position;
}

bool Segment::remove_files() {
  bool ok = offset_index_->file().remove();
  ok = time_index_->file().remove() && ok;
  if (env_.unlink(log_path_) != 0 && errno != ENOENT) ok = false;
  return ok;
}

std::vector<std::string> Segment::file_paths() const {
  return {log_path_, offset_index_->file().path(), time_index_->file().path()};
}

bool Segment::flush(bool with_indexes) const {
  if (env_.fdatasync(file_->fd()) != 0) {
    spdlog::error("fdatasync of {} failed: {}", log_path_, std::strerror(errno));
    return false;
  }
  return !with_indexes || (offset_index_->file().flush() && time_index_->file().flush());
}

}  // namespace gregor::storage
