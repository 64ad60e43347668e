// The leader epochs of one partition's log: for each epoch in which the partition had a leader
// that wrote to it, the first offset written in that epoch. Followers compare their log with
// the leader's through it (OffsetForLeaderEpoch) to find where they diverged and truncate
// there, as Kafka does.
//
// Persisted as Kafka's `leader-epoch-checkpoint` in the log directory (format:
// docs/formats/log-segments.md), rewritten atomically after every change. Changes are rare
// (a new leader, a truncation, a log start move), so the write under the Log's append mutex
// costs nothing on the produce path, where only latest_epoch() is read (one atomic load).
//
//   LeaderEpochCache cache(dir + "/leader-epoch-checkpoint");
//   cache.load();
//   cache.assign(5, 120);                  // epoch 5 started at offset 120
//   cache.end_offset_for(3, end);          // {largest epoch <= 3, first offset after it}
//
// Threads: every method is thread-safe. Mutations come from the Log under its append mutex;
// end_offset_for, latest_epoch and entries from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "storage/checkpoint_file.h"

namespace gregor::storage {

inline constexpr char kLeaderEpochCheckpoint[] = "leader-epoch-checkpoint";
// Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.
inline constexpr int32_t kUndefinedEpoch = -1;
inline constexpr int64_t kUndefinedEpochOffset = -1;

struct EpochEntry {
  int32_t epoch;
  int64_t start_offset;
  bool operator==(const EpochEntry&) const = default;
};

// An answer to OffsetForLeaderEpoch: the epoch found and the offset where it ended.
struct EpochEndOffset {
  int32_t epoch;
  int64_t end_offset;
  bool operator==(const EpochEndOffset&) const = default;
};

class LeaderEpochCache {
 public:
  // `checkpoint_path`: the file that persists the entries. Starts empty; see load().
  explicit LeaderEpochCache(std::string checkpoint_path, Env& env = Env::posix());

  // Replaces the entries with the file's. kMissing and kCorrupt leave the cache empty (the
  // caller then rebuilds it from the log with replace()). Entries out of order are kCorrupt.
  CheckpointStatus load();
  // Replaces the entries (sorted by epoch and offset) and persists them.
  void replace(std::vector<EpochEntry> entries);

  // Records that `epoch` starts at `start_offset`. Ignored unless `epoch` is above the latest
  // epoch and `start_offset` is not below the latest entry's start.
  void assign(int32_t epoch, int64_t start_offset);
  // The latest epoch, kUndefinedEpoch when empty. Lock-free.
  int32_t latest_epoch() const { return latest_epoch_.load(std::memory_order_acquire); }

  // Kafka's LeaderEpochFileCache.endOffsetFor:
  //  - kUndefinedEpoch requested, or a requested epoch above every entry's (including an empty
  //    cache): {kUndefinedEpoch, kUndefinedEpochOffset};
  //  - the latest epoch: {it, log_end_offset};
  //  - below every entry's epoch: {requested, start of the first entry};
  //  - otherwise {largest epoch <= requested, start of the next higher epoch}.
  EpochEndOffset end_offset_for(int32_t requested_epoch, int64_t log_end_offset) const;

  // Drops the entries starting at or above `offset` (the log was truncated to end there).
  void truncate_from_end(int64_t offset);
  // The log now starts at `offset`: drops the entries wholly below it; the one covering
  // `offset` starts at `offset`.
  void truncate_from_start(int64_t offset);
  // Drops every entry (the log was emptied).
  void clear();

  std::vector<EpochEntry> entries() const;

 private:
  // Under mutex_: publishes the latest epoch and rewrites the file.
  void changed();

  Env& env_;
  const std::string path_;
  mutable std::mutex mutex_;
  std::vector<EpochEntry> entries_;  // guarded by mutex_; ascending epochs and start offsets
  std::atomic<int32_t> latest_epoch_{kUndefinedEpoch};
};

}  // namespace gregor::storage
