// Somewhere to run work later: an event loop, as the network threads are. Whoever completes a
// request from another thread (a flush, a timer) posts to the executor the request came from.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace gregor {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(std::function<void()> fn) = 0;
  // Runs `fn` on this executor after `delay` unless the returned handle is reset first.
  virtual std::shared_ptr<void> run_after(std::chrono::milliseconds delay,
                                          std::function<void()> fn) = 0;
};

}  // namespace gregor
