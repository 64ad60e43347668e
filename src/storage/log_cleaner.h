// The log cleaner: background threads that compact the logs whose cleanup.policy contains
// `compact` (Kafka's LogCleaner and LogCleanerManager). Each thread repeatedly picks the log
// with the highest dirty ratio among those due (cleaner.h: cleanable_range) and not being
// cleaned by another thread, runs one pass (clean_log), and sleeps backoff_ms when none is due.
//
// Memory: dedupe_buffer_bytes is split evenly between the threads' key maps (KeyOffsetMap),
// allocated once at start.
//
// The offset below which each log was last cleaned lives in memory only: after a restart the
// first pass re-reads each compacted log from its start (correct, only slower).
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
  void run(size_t index);

  LogManager& logs_;
  const CleanerOptions options_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards first_dirty_ and in_progress_; wake_ waits on it
  std::condition_variable wake_;
  std::map<const Log*, int64_t> first_dirty_;
  std::set<const Log*> in_progress_;
};

}  // namespace gregor::storage
