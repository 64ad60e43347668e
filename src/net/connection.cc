#include "net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>

#include <spdlog/spdlog.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "common/coding.h"

namespace gregor::net {
namespace {

// TCP_CORK holds partial packets while a response is written in several pieces (memory, file,
// memory...), so a fetch response does not go out as a string of tiny segments.
void set_cork(asio::ip::tcp::socket& socket, bool on) {
  int value = on ? 1 : 0;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof(value));
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, IoLoop& loop, broker::Broker& broker)
    : socket_(std::move(socket)),
      loop_(loop),
      broker_(broker),
      dispatcher_(api::served_apis(), &broker),
      room_(loop.context()),
      idle_(loop.context()),
      last_activity_(std::chrono::steady_clock::now()) {
  std::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  client_host_ = ec ? "/unknown" : "/" + endpoint.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  const auto& config = broker_.config();
  if (config.socket_send_buffer_bytes > 0) {
    socket_.set_option(asio::socket_base::send_buffer_size(config.socket_send_buffer_bytes), ec);
  }
  if (config.socket_receive_buffer_bytes > 0) {
    socket_.set_option(asio::socket_base::receive_buffer_size(config.socket_receive_buffer_bytes),
                       ec);
  }
  socket_.native_non_blocking(true, ec);
}

void Connection::start() {
  asio::co_spawn(
      loop_.context(), [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
  const int64_t max_idle_ms = broker_.config().connections_max_idle_ms;
  if (max_idle_ms >= 0) {
    asio::co_spawn(
        loop_.context(),
        [self = shared_from_this(), max_idle = std::chrono::milliseconds(max_idle_ms)] {
          return self->idle_watch(max_idle);
        },
        asio::detached);
  }
}

asio::awaitable<void> Connection::idle_watch(std::chrono::milliseconds max_idle) {
  while (!closed_) {
    idle_.expires_at(last_activity_ + max_idle);
    std::error_code ec;
    co_await idle_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    const bool idle = std::chrono::steady_clock::now() >= last_activity_ + max_idle;
    if (idle && responses_.empty() && !writing_) {
      spdlog::debug("closing {}: idle for {} ms (connections.max.idle.ms)", peer_,
                    max_idle.count());
      close();
    }
  }
}

asio::awaitable<void> Connection::read_loop() {
  const int32_t max_size = broker_.config().socket_request_max_bytes;
  try {
    for (;;) {
      while ((responses_.full() || (holding_ && !responses_.empty())) && !closed_) {
        room_.expires_at(asio::steady_timer::time_point::max());
        std::error_code ec;
        co_await room_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (closed_) break;
      holding_ = false;
      uint8_t size_bytes[4];
      co_await asio::async_read(socket_, asio::buffer(size_bytes), asio::use_awaitable);
      const auto size = load_big_endian<int32_t>(size_bytes);
      if (size <= 0 || size > max_size) {
        spdlog::warn("closing {}: request size {} outside 1..{} (socket.request.max.bytes)", peer_,
                     size, max_size);
        break;
      }
      protocol::FrameBuffer frame(static_cast<size_t>(size));
      co_await asio::async_read(socket_, asio::buffer(frame), asio::use_awaitable);
      last_activity_ = std::chrono::steady_clock::now();
      dispatch(std::move(frame));
      if (closed_) break;
    }
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::eof && e.code() != asio::error::operation_aborted) {
      spdlog::debug("connection {} read ended: {}", peer_, e.what());
    }
  }
  close();
}

void Connection::dispatch(protocol::FrameBuffer frame) {
  const uint64_t sequence = responses_.reserve();
  auto completion = [weak = weak_from_this(), sequence](std::optional<protocol::Writer> out,
                                                        bool close) mutable {
    auto self = weak.lock();
    if (!self) return;
    ResponseQueue::Response response{std::move(out), close};
    if (self->loop_.in_this_thread()) return self->complete(sequence, std::move(response));
    self->loop_.post([self, sequence, response = std::move(response)]() mutable {
      self->complete(sequence, std::move(response));
    });
  };
  using Outcome = api::Dispatcher::Outcome;
  switch (
      dispatcher_.dispatch(std::move(frame), loop_, peer_, client_host_, std::move(completion))) {
    case Outcome::kServing:
      break;
    case Outcome::kHolding:
      holding_ = true;
      break;
    case Outcome::kCloseNow:
      close();
      break;
  }
}

void Connection::complete(uint64_t sequence, ResponseQueue::Response response) {
  if (closed_) return;
  responses_.complete(sequence, std::move(response));
  pump_writes();
}

void Connection::pump_writes() {
  if (writing_ || closed_) return;
  while (auto response = responses_.pop_ready()) {
    room_.cancel();
    if (response->close) return close();
    if (!response->frame) continue;  // acks=0: no response
    writing_ = true;
    asio::co_spawn(
        loop_.context(),
        [self = shared_from_this(), frame = std::move(*response->frame)]() mutable {
          return self->write_frame(std::move(frame));
        },
        asio::detached);
    return;
  }
}

asio::awaitable<void> Connection::write_frame(protocol::Writer frame) {
  try {
    const auto& bytes = frame.bytes();
    const bool cork = !frame.splices().empty();
    if (cork) set_cork(socket_, true);
    size_t position = 0;
    for (const auto& splice : frame.splices()) {
      co_await asio::async_write(socket_,
                                 asio::buffer(bytes.data() + position, splice.at - position),
                                 asio::use_awaitable);
      position = splice.at;
      co_await send_file(splice.slice);
    }
    co_await asio::async_write(socket_,
                               asio::buffer(bytes.data() + position, bytes.size() - position),
                               asio::use_awaitable);
    if (cork) set_cork(socket_, false);
    last_activity_ = std::chrono::steady_clock::now();
  } catch (const std::system_error& e) {
    spdlog::debug("connection {} write failed: {}", peer_, e.what());
    close();
    co_return;
  }
  writing_ = false;
  pump_writes();
}

// Zero-copy: the kernel moves the segment's pages to the socket. A non-blocking socket may take
// only part of it; then we wait until it can take more.
asio::awaitable<void> Connection::send_file(const protocol::FileSlice& slice) {
  off_t offset = slice.offset;
  size_t left = static_cast<size_t>(slice.size);
  while (left > 0) {
    const ssize_t sent = ::sendfile(socket_.native_handle(), slice.file->fd(), &offset, left);
    if (sent > 0) {
      left -= static_cast<size_t>(sent);
    } else if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
      co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, asio::use_awaitable);
    } else {
      // The file ended early (a truncated segment) or the socket failed: the response would be
      // short, so the only safe thing is to drop the connection.
      throw std::system_error(sent == 0 ? std::make_error_code(std::errc::io_error)
                                        : std::error_code(errno, std::generic_category()));
    }
  }
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  room_.cancel();
  idle_.cancel();
  responses_.clear();
}

}  // namespace gregor::net
