// Group commit for acks=all. A produce with acks=all is acknowledged only once its records are
// on disk; fsync is slow, so one background thread does them, and each fsync of a log serves
// every request that appended to it while the previous fsync ran.
//
//   flusher.await_durable(log, result.last_offset + 1, [](bool ok) { ... });
//
// Callbacks run on the flusher thread and must only hand work back to the request's thread.
// The network threads never wait for a disk.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/log.h"

namespace gregor::broker {

class Flusher {
 public:
  using Callback = std::function<void(bool durable)>;

  Flusher();
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Calls `done(true)` once `log` is durable up to (excluding) `end_offset`, or `done(false)` if
  // the flush failed or the flusher stopped first.
  void await_durable(std::shared_ptr<storage::Log> log, int64_t end_offset, Callback done);

  // Flushes what is pending, fails what cannot be flushed, and joins the thread.
  void stop();

 private:
  struct Waiter {
    std::shared_ptr<storage::Log> log;
    int64_t end_offset;
    Callback done;
  };

  void run();
  static void flush_all(std::vector<Waiter>& batch);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Waiter> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gregor::broker
