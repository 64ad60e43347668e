#include "net/io_loop.h"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "common/thread_name.h"

namespace gregor::net {

IoLoop::IoLoop(std::string name) : name_(std::move(name)), work_(asio::make_work_guard(context_)) {}

IoLoop::~IoLoop() {
  stop();
}

void IoLoop::start() {
  thread_ = std::thread([this] { context_.run(); });
  name_thread(thread_, name_);
}

void IoLoop::stop() {
  work_.reset();
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

void IoLoop::post(std::function<void()> fn) {
  asio::post(context_, std::move(fn));
}

std::shared_ptr<void> IoLoop::run_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  // The returned handle owns the timer: dropping it cancels the wait, and the handler then sees
  // operation_aborted and does not run `fn`.
  auto timer = std::make_shared<asio::steady_timer>(context_, delay);
  timer->async_wait([fn = std::move(fn)](const std::error_code& ec) {
    if (!ec) fn();
  });
  return timer;
}

}  // namespace gregor::net
