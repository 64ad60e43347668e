#include "broker/flusher.h"

#include <algorithm>

#include "common/thread_name.h"

namespace gregor::broker {

Flusher::Flusher() : thread_([this] { run(); }) {
  name_thread(thread_, "flusher");
}

Flusher::~Flusher() {
  stop();
}

void Flusher::await_durable(std::shared_ptr<storage::Log> log, int64_t end_offset, Callback done) {
  if (log->flushed_offset() >= end_offset) return done(true);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back(Waiter{std::move(log), end_offset, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(false);
}

void Flusher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Flusher::run() {
  std::vector<Waiter> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    flush_all(batch);
    batch.clear();
  }
}

// One fsync per distinct log, however many requests wait on it.
void Flusher::flush_all(std::vector<Waiter>& batch) {
  std::sort(batch.begin(), batch.end(),
            [](const Waiter& a, const Waiter& b) { return a.log < b.log; });
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i == 0 || batch[i].log != batch[i - 1].log) {
      batch[i].log->flush(storage::Log::FlushScope::kRecords);
    }
  }
  for (auto& waiter : batch)
    waiter.done(waiter.log->flushed_offset() >= waiter.end_offset);
}

}  // namespace gregor::broker
