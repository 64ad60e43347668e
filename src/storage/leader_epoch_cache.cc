#include "storage/leader_epoch_cache.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_util.h"

namespace gregor::storage {

namespace {

bool ordered(const std::vector<EpochEntry>& entries) {
  return std::adjacent_find(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
           return a.epoch >= b.epoch || a.start_offset > b.start_offset;
         }) == entries.end();
}

// "<epoch> <start offset>", both non-negative.
bool parse_entry(std::string_view line, std::vector<EpochEntry>& entries) {
  const auto fields = split_fields(line);
  EpochEntry entry{};
  if (fields.size() != 2 || !parse_decimal(fields[0], entry.epoch) ||
      !parse_decimal(fields[1], entry.start_offset) || entry.epoch < 0 || entry.start_offset < 0) {
    return false;
  }
  entries.push_back(entry);
  return true;
}

}  // namespace

LeaderEpochCache::LeaderEpochCache(std::string checkpoint_path, Env& env)
    : env_(env), path_(std::move(checkpoint_path)) {}

CheckpointStatus LeaderEpochCache::load() {
  std::vector<EpochEntry> read;
  auto status = read_checkpoint_entries(
      env_, path_, [&read](std::string_view line) { return parse_entry(line, read); });
  if (status == CheckpointStatus::kOk && !ordered(read)) status = CheckpointStatus::kCorrupt;
  if (status != CheckpointStatus::kOk) read.clear();
  std::lock_guard lock(mutex_);
  entries_ = std::move(read);
  latest_epoch_.store(entries_.empty() ? kUndefinedEpoch : entries_.back().epoch,
                      std::memory_order_release);
  return status;
}

void LeaderEpochCache::replace(std::vector<EpochEntry> entries) {
  std::lock_guard lock(mutex_);
  entries_ = std::move(entries);
  changed();
}

void LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  std::lock_guard lock(mutex_);
  if (!entries_.empty() &&
      (epoch <= entries_.back().epoch || start_offset < entries_.back().start_offset)) {
    return;
  }
  if (epoch < 0 || start_offset < 0) return;
  entries_.push_back({epoch, start_offset});
  changed();
}

EpochEndOffset LeaderEpochCache::end_offset_for(int32_t requested_epoch,
                                                int64_t log_end_offset) const {
  std::lock_guard lock(mutex_);
  if (requested_epoch == kUndefinedEpoch || entries_.empty()) {
    return {kUndefinedEpoch, kUndefinedEpochOffset};
  }
  if (requested_epoch == entries_.back().epoch) return {requested_epoch, log_end_offset};
  const auto higher =
      std::upper_bound(entries_.begin(), entries_.end(), requested_epoch,
                       [](int32_t epoch, const EpochEntry& entry) { return epoch < entry.epoch; });
  if (higher == entries_.end()) return {kUndefinedEpoch, kUndefinedEpochOffset};
  // Below every known epoch: that data is gone; the follower restarts from the first known one.
  if (higher == entries_.begin()) return {requested_epoch, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

void LeaderEpochCache::truncate_from_end(int64_t offset) {
  std::lock_guard lock(mutex_);
  if (offset < 0 || entries_.empty() || entries_.back().start_offset < offset) return;
  std::erase_if(entries_,
                [offset](const EpochEntry& entry) { return entry.start_offset >= offset; });
  changed();
}

void LeaderEpochCache::truncate_from_start(int64_t offset) {
  std::lock_guard lock(mutex_);
  // The last entry starting at or below `offset` covers it; everything before it goes.
  const auto above = std::upper_bound(
      entries_.begin(), entries_.end(), offset,
      [](int64_t start, const EpochEntry& entry) { return start < entry.start_offset; });
  if (above == entries_.begin()) return;
  const auto covering = std::prev(above);
  if (covering == entries_.begin() && covering->start_offset == offset) return;
  covering->start_offset = offset;
  entries_.erase(entries_.begin(), covering);
  changed();
}

void LeaderEpochCache::clear() {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return;
  entries_.clear();
  changed();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

void LeaderEpochCache::changed() {
  latest_epoch_.store(entries_.empty() ? kUndefinedEpoch : entries_.back().epoch,
                      std::memory_order_release);
  std::string text = checkpoint_preamble(entries_.size());
  for (const EpochEntry& entry : entries_) {
    text += fmt::format("{} {}\n", entry.epoch, entry.start_offset);
  }
  // On failure the file would disagree with memory: remove it, so that the next start rebuilds
  // the entries from the batches' epochs instead of trusting stale ones.
  if (!write_file_atomically(env_, path_, text)) {
    spdlog::error("cannot write {}; removing it to rebuild it at the next start", path_);
    env_.unlink(path_);
  }
}

}  // namespace gregor::storage
