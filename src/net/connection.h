// One client connection: reads size-prefixed request frames, hands each to its API handler, and
// writes the responses back in request order, whatever order the handlers finish in.
//
// Requests are pipelined: reading goes on while earlier requests wait (acks=all, long-poll
// fetch), up to kMaxInFlight, so one fsync can serve many of a producer's requests. Lives on one
// IoLoop; all members are touched only from that loop's thread.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "broker/broker.h"
#include "net/io_loop.h"
#include "protocol/codec.h"
#include "protocol/frame_buffer.h"

namespace gregor::net {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr size_t kMaxInFlight = 64;

  Connection(asio::ip::tcp::socket socket, IoLoop& loop, broker::Broker& broker);

  // Starts the read loop; the connection keeps itself alive until the socket closes.
  void start();

 private:
  struct Slot {
    bool ready = false;
    bool close = false;
    std::optional<protocol::Writer> frame;
  };

  asio::awaitable<void> read_loop();
  // Closes the connection once it has been idle (nothing read or written, nothing pending) for
  // connections.max.idle.ms.
  asio::awaitable<void> idle_watch(std::chrono::milliseconds max_idle);
  void dispatch(protocol::FrameBuffer frame);
  void complete(uint64_t sequence, std::optional<protocol::Writer> frame, bool close);
  void pump_writes();
  asio::awaitable<void> write_frame(protocol::Writer frame);
  asio::awaitable<void> send_file(const protocol::FileSlice& slice);
  void close();

  asio::ip::tcp::socket socket_;
  IoLoop& loop_;
  broker::Broker& broker_;
  std::string peer_;
  std::string client_host_;  // "/<address>", for group descriptions

  std::deque<Slot> slots_;       // one per request in flight, oldest first
  uint64_t first_sequence_ = 0;  // sequence number of slots_.front()
  uint64_t next_sequence_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  asio::steady_timer room_;  // the reader waits on it while kMaxInFlight requests are pending
  asio::steady_timer idle_;
  std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace gregor::net
