// The log cleaner: background threads that compact the logs whose cleanup.policy contains
// `compact` (Kafka's LogCleaner and LogCleanerManager). Each thread repeatedly picks the log
// with the highest dirty ratio among those due (cleaner.h: cleanable_range) and not being
// cleaned by another thread, runs one pass (clean_log), and sleeps backoff_ms when none is due.
// A log none of whose dirty ratio or lags makes due is still cleaned once the latest delete
// horizon of the tombstones its last pass kept has passed, so that tombstones of a log that
// is no longer written to go away too (as Kafka does since KIP-534). That horizon is known only
// for logs cleaned since the broker started.
//
// Memory: dedupe_buffer_bytes is split evenly between the threads' key maps (KeyOffsetMap),
// allocated once at start.
//
// The offset below which each log was last cleaned (its first dirty offset) is written to the
// `cleaner-offset-checkpoint` of the log's directory after every pass and read back when the
// cleaner is created, so a restart resumes where cleaning stopped instead of cleaning every
// compacted log again from its start.
//
// Who calls it: the Broker (start after the logs are loaded, stop before LogManager::shutdown).
// Disk I/O happens on the cleaner threads only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "storage/cleaner.h"
#include "storage/log_manager.h"

namespace gregor::storage {

struct CleanerOptions {
  int32_t threads = 1;
  int64_t dedupe_buffer_bytes = 128 << 20;
  int64_t backoff_ms = 15000;
};

class LogCleaner {
 public:
  // Reads the cleaner checkpoints of `logs` (which must be open).
  LogCleaner(LogManager& logs, CleanerOptions options);
  ~LogCleaner();  // stops the threads
  LogCleaner(const LogCleaner&) = delete;
  LogCleaner& operator=(const LogCleaner&) = delete;

  void start();
  // Asks the threads to stop after the segment they are rewriting, and joins them. Idempotent.
  void stop();

  // One pass over the dirtiest due log with `map`, on the calling thread (the threads' loop
  // body; tests call it directly). True if a log was cleaned.
  bool clean_one(KeyOffsetMap& map, int64_t now_ms);

 private:
  // Where the last pass on a partition's log stopped. `log` tells a partition's log from an
  // earlier one of the same name (a topic deleted and created again; a weak pointer, as a new
  // log may be allocated where the old one was).
  struct Cleaned {
    std::weak_ptr<const Log> log;
    int64_t first_dirty = 0;
    // CleanStats::latest_delete_horizon of the last pass (in memory only).
    int64_t delete_horizon = -1;
  };

  void run(size_t index);
  // Under mutex_: the dirtiest due log that no thread is cleaning, with its range.
  std::pair<std::shared_ptr<Log>, CleanableRange> choose(int64_t now_ms, TopicPartition& tp);
  // Writes the cleaner checkpoints (first_dirty_) after a pass.
  void checkpoint();

  LogManager& logs_;
  const CleanerOptions options_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards first_dirty_ and in_progress_; wake_ waits on it
  std::condition_variable wake_;
  std::map<TopicPartition, Cleaned> first_dirty_;
  std::set<const Log*> in_progress_;
  std::mutex checkpoint_mutex_;  // one checkpoint write at a time, in pass order
};

}  // namespace gregor::storage
