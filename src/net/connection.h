// One client connection: reads size-prefixed request frames, hands each to the API layer's
// dispatcher, and writes the responses back in request order, whatever order the handlers finish
// in (net/response_queue.h).
//
// Requests are pipelined: reading goes on while earlier requests wait (acks=all, long-poll
// fetch), up to kMaxInFlight, so one fsync can serve many of a producer's requests. An admin
// request that waits on the metadata store holds the connection instead: nothing more is read
// until it is answered, so the requests after it see its effect. Lives on one
// IoLoop; all members are touched only from that loop's thread.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "api/dispatcher.h"
#include "broker/broker.h"
#include "net/io_loop.h"
#include "net/response_queue.h"
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
  asio::awaitable<void> read_loop();
  // Closes the connection once it has been idle (nothing read or written, nothing pending) for
  // connections.max.idle.ms.
  asio::awaitable<void> idle_watch(std::chrono::milliseconds max_idle);
  void dispatch(protocol::FrameBuffer frame);
  void complete(uint64_t sequence, ResponseQueue::Response response);
  void pump_writes();
  asio::awaitable<void> write_frame(protocol::Writer frame);
  asio::awaitable<void> send_file(const protocol::FileSlice& slice);
  void close();

  asio::ip::tcp::socket socket_;
  IoLoop& loop_;
  broker::Broker& broker_;
  const api::Dispatcher dispatcher_;
  std::string peer_;
  std::string client_host_;  // "/<address>", for group descriptions

  ResponseQueue responses_{kMaxInFlight};
  // A request that holds the connection (api::RequestContext::hold_connection) is in flight:
  // the reader waits until every response is out.
  bool holding_ = false;
  bool writing_ = false;
  bool closed_ = false;
  asio::steady_timer room_;  // the reader waits on it while kMaxInFlight requests are pending
  asio::steady_timer idle_;
  std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace gregor::net
