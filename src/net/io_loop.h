// One network thread: an Asio io_context run by a dedicated thread. Every connection lives on
// exactly one loop, so its state needs no locks; work for it from other threads (flush
// completions, appends waking a delayed fetch) is posted to its loop.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <string>
#include <thread>

#include "common/executor.h"

namespace gregor::net {

class IoLoop final : public Executor {
 public:
  explicit IoLoop(std::string name = "network");
  ~IoLoop() override;

  asio::io_context& context() { return context_; }
  bool in_this_thread() { return context_.get_executor().running_in_this_thread(); }

  void start();
  // Stops running handlers and joins the thread. Pending handlers are destroyed with the loop.
  void stop();

  void post(std::function<void()> fn) override;
  std::shared_ptr<void> run_after(std::chrono::milliseconds delay,
                                  std::function<void()> fn) override;

 private:
  const std::string name_;  // the thread's, as `top -H` shows it
  asio::io_context context_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace gregor::net
