// The responses of one connection's requests in flight, released in request order whatever order
// the requests complete in, with a bound on how many may be in flight. The connection reserves a
// place per request read, records each completion, and writes what pop_ready() releases.
//
// Not thread-safe: it lives on its connection's network thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "protocol/codec.h"

namespace gregor::net {

class ResponseQueue {
 public:
  struct Response {
    std::optional<protocol::Writer> frame;  // nullopt: the request gets no response (acks=0)
    bool close = false;                     // close the connection once earlier ones are sent
  };

  explicit ResponseQueue(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // The reader waits while full(): no request is read that could not be reserved.
  bool full() const { return slots_.size() >= max_in_flight_; }
  bool empty() const { return slots_.empty(); }

  // The place of the next request read. Call only when !full().
  uint64_t reserve();
  // Records request `sequence`'s response. A sequence already released or cleared is ignored,
  // as is a second completion of the same request.
  void complete(uint64_t sequence, Response response);
  // The oldest request's response, removed, if it has completed.
  std::optional<Response> pop_ready();
  // Forgets every request in flight (the connection closed); later completions are ignored.
  void clear();

 private:
  struct Slot {
    bool ready = false;
    Response response;
  };

  const size_t max_in_flight_;
  std::deque<Slot> slots_;       // one per request in flight, oldest first
  uint64_t first_sequence_ = 0;  // sequence number of slots_.front()
  uint64_t next_sequence_ = 0;
};

}  // namespace gregor::net
