// A pause that starts short and doubles with each failure in a row, up to a ceiling; a success
// starts it over. For retries whose first failure is usually a race that ends within
// milliseconds, but whose repeated failures must not turn into a busy loop.
#pragma once

#include <algorithm>
#include <chrono>

namespace gregor {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  Backoff(Duration first, Duration longest) : first_(first), longest_(longest), next_(first) {}

  // The pause after this failure; the next one is twice as long, up to `longest`.
  Duration failed() {
    const Duration pause = std::min(next_, longest_);
    next_ = std::min(pause * 2, longest_);
    return pause;
  }
  void succeeded() { next_ = first_; }

 private:
  Duration first_;
  Duration longest_;
  Duration next_;
};

}  // namespace gregor
