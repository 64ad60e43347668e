#include "common/event_thread.h"

#include <future>

#include "common/thread_name.h"

namespace gregor {

void EventThread::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, name_);
}

void EventThread::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventThread::post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void EventThread::set_periodic(std::chrono::milliseconds interval, Task task) {
  {
    std::lock_guard lock(mu_);
    interval_ = interval;
    periodic_ = interval.count() > 0 ? std::move(task) : Task{};
    next_periodic_ = Clock::now() + interval;
  }
  wake_.notify_one();
}

void EventThread::sync() {
  std::promise<void> done;
  auto future = done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !started_) return;
    tasks_.push_back([&done] { done.set_value(); });
  }
  wake_.notify_one();
  future.wait();
}

void EventThread::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!tasks_.empty()) {
      Task task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (!periodic_) {
      wake_.wait(lock);
      continue;
    }
    if (Clock::now() < next_periodic_) {
      wake_.wait_until(lock, next_periodic_);
      continue;
    }
    next_periodic_ = Clock::now() + interval_;
    Task task = periodic_;
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace gregor
