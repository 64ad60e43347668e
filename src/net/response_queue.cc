#include "net/response_queue.h"

namespace gregor::net {

uint64_t ResponseQueue::reserve() {
  slots_.emplace_back();
  return next_sequence_++;
}

void ResponseQueue::complete(uint64_t sequence, Response response) {
  if (sequence < first_sequence_ || sequence >= first_sequence_ + slots_.size()) return;
  Slot& slot = slots_[sequence - first_sequence_];
  if (slot.ready) return;
  slot.ready = true;
  slot.response = std::move(response);
}

std::optional<ResponseQueue::Response> ResponseQueue::pop_ready() {
  if (slots_.empty() || !slots_.front().ready) return std::nullopt;
  Response response = std::move(slots_.front().response);
  slots_.pop_front();
  ++first_sequence_;
  return response;
}

void ResponseQueue::clear() {
  first_sequence_ = next_sequence_;
  slots_.clear();
}

}  // namespace gregor::net
