// EventThread: one thread that runs posted tasks one at a time, in order, plus an optional
// periodic task. The controller does all its work here, so its state needs no lock and a store
// watcher (which may run on any thread, possibly inside a store call) only posts a task.
//
//   EventThread events("controller");
//   events.start();
//   store.children("/brokers/ids", names, [&](WatchEvent, const std::string&) {
//     events.post([&] { on_brokers_changed(); });
//   });
//   events.stop();  // runs what is queued, then joins
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace gregor {

class EventThread {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  explicit EventThread(std::string name) : name_(std::move(name)) {}
  ~EventThread() { stop(); }
  EventThread(const EventThread&) = delete;
  EventThread& operator=(const EventThread&) = delete;

  void start();
  // Runs the tasks already queued, drops later posts, and joins. Idempotent.
  void stop();

  // Queues `task`; from any thread, including a task on this thread. Ignored after stop().
  void post(Task task);

  // Runs `task` every `interval` on this thread (first run one interval from now); replaces
  // the previous periodic task. An interval <= 0 disables it.
  void set_periodic(std::chrono::milliseconds interval, Task task);

  // Returns once every task posted before the call has run (immediately if stopped). Must not be
  // called from a task.
  void sync();

 private:
  void run();

  std::string name_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  bool started_ = false;
  std::chrono::milliseconds interval_{0};
  Task periodic_;
  Clock::time_point next_periodic_;
  std::thread thread_;
};

}  // namespace gregor
