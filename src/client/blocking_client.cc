#include "client/blocking_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "protocol/messages/api_versions.h"

namespace gregor::client {
namespace {

using Clock = std::chrono::steady_clock;

enum class Wait { kReady, kTimeout, kInterrupted, kNudged, kGaveUp, kError };

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits until `fd` is ready for `events`, the deadline passes, or `wakeup` or `nudge` (-1: none)
// becomes readable.
Wait wait_for(int fd, short events, int wakeup, int nudge, Clock::time_point deadline) {
  pollfd polled[3] = {{fd, events, 0}, {wakeup, POLLIN, 0}, {nudge, POLLIN, 0}};
  int rc = 0;
  do {
    rc = ::poll(polled, 3, remaining_ms(deadline));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return Wait::kError;
  if (polled[1].revents != 0) return Wait::kInterrupted;
  if (polled[2].revents != 0) return Wait::kNudged;
  if (rc == 0) return Wait::kTimeout;
  return Wait::kReady;  // POLLERR/POLLHUP too: the send or recv that follows reports them
}

std::string wait_error(Wait result, const char* what) {
  switch (result) {
    case Wait::kTimeout:
      return std::string("timed out ") + what;
    case Wait::kInterrupted:
      return std::string("interrupted ") + what;
    case Wait::kGaveUp:
      return std::string("gave up ") + what;
    default:
      return std::string("poll failed ") + what + ": " + std::strerror(errno);
  }
}

// A connected, non-blocking socket to one address, or -1 with `error` set.
int connect_one(const addrinfo& address, int wakeup, Clock::time_point deadline,
                std::string& error) {
  const int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          address.ai_protocol);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int status = 0;
  if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      status = errno;
    } else if (const Wait result = wait_for(fd, POLLOUT, wakeup, -1, deadline);
               result != Wait::kReady) {
      error = wait_error(result, "connecting");
      ::close(fd);
      return -1;
    } else {
      socklen_t size = sizeof status;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &size) != 0) status = errno;
    }
  }
  if (status != 0) {
    error = std::strerror(status);
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are single frames
  return fd;
}

}  // namespace

BlockingClient::BlockingClient(std::string client_id)
    : client_id_(std::move(client_id)),
      wakeup_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      nudge_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

BlockingClient::~BlockingClient() {
  close();
  if (wakeup_ >= 0) ::close(wakeup_);
  if (nudge_ >= 0) ::close(nudge_);
}

void BlockingClient::close() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

void BlockingClient::interrupt() {
  interrupted_ = true;
  const uint64_t one = 1;
  // The counter is never read back, so the eventfd stays readable: every later poll wakes too.
  [[maybe_unused]] const ssize_t written = ::write(wakeup_, &one, sizeof one);
}

void BlockingClient::give_up_at(Clock::time_point when) {
  give_up_at_ = when.time_since_epoch().count();
  const uint64_t one = 1;
  // Read back by wait(), which then looks at the new moment.
  [[maybe_unused]] const ssize_t written = ::write(nudge_, &one, sizeof one);
}

bool BlockingClient::wait(short events, Clock::time_point deadline, const char* what,
                          std::string& error) {
  while (true) {
    const Clock::time_point give_up{Clock::duration(give_up_at_.load())};
    const bool giving_up = give_up < deadline;
    if (giving_up && Clock::now() >= give_up) return fail(wait_error(Wait::kGaveUp, what), error);
    const Wait result = wait_for(socket_, events, wakeup_, nudge_, giving_up ? give_up : deadline);
    if (result == Wait::kReady) return true;
    if (result == Wait::kNudged) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t read = ::read(nudge_, &count, sizeof count);
      continue;
    }
    if (result == Wait::kTimeout && giving_up) continue;  // gives up at the top
    return fail(wait_error(result, what), error);
  }
}

bool BlockingClient::fail(std::string message, std::string& error) {
  close();
  error = std::move(message);
  return false;
}

bool BlockingClient::connect(const std::string& host, int32_t port,
                             std::chrono::milliseconds timeout, std::string& error) {
  close();
  const std::string where = host + ":" + std::to_string(port);
  if (wakeup_ < 0 || nudge_ < 0) return fail("connect to " + where + ": no eventfd", error);
  if (interrupted_) return fail("connect to " + where + ": interrupted", error);
  const auto deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    return fail("connect to " + where + ": " + ::gai_strerror(rc), error);
  }
  std::string reason = "no address";
  for (const addrinfo* address = found; address != nullptr && socket_ < 0;
       address = address->ai_next) {
    socket_ = connect_one(*address, wakeup_, deadline, reason);
  }
  ::freeaddrinfo(found);
  if (socket_ < 0) return fail("connect to " + where + ": " + reason, error);
  return true;
}

bool BlockingClient::begin(int16_t api_key, int16_t version, int16_t own_api_key,
                           int16_t min_version, int16_t max_version, int16_t first_flexible,
                           protocol::Writer& frame, int32_t& correlation_id, std::string& error) {
  const std::string api = "API " + std::to_string(api_key) + " v" + std::to_string(version);
  if (api_key != own_api_key) return fail(api + ": not the request's API", error);
  if (version < min_version || version > max_version) return fail(api + ": unknown version", error);
  if (!connected()) return fail(api + ": not connected", error);
  correlation_id = next_correlation_id_++;
  if (next_correlation_id_ < 0) next_correlation_id_ = 1;  // stays positive after wrapping
  protocol::begin_request(frame, {api_key, version, correlation_id, client_id_},
                          version >= first_flexible);
  return true;
}

bool BlockingClient::exchange(const protocol::Writer& frame, int16_t api_key, bool flexible,
                              int32_t correlation_id, std::chrono::milliseconds timeout,
                              protocol::ByteView& body, std::string& error) {
  if (!frame.splices().empty()) return fail("file slices cannot be sent by this client", error);
  const auto deadline = Clock::now() + timeout;
  if (!send_all(frame.bytes().data(), frame.bytes().size(), deadline, error)) return false;
  uint8_t prefix[8];  // size and correlation id
  if (!receive_all(prefix, sizeof prefix, deadline, error)) return false;
  protocol::Reader header(protocol::ByteView(prefix, sizeof prefix));
  const int32_t size = header.i32();
  const int32_t received_id = header.i32();
  if (size < 4 || size > kMaxResponseBytes) {
    return fail("response size " + std::to_string(size) + " out of range", error);
  }
  if (received_id != correlation_id) {
    return fail("correlation id " + std::to_string(received_id) + " in the response, expected " +
                    std::to_string(correlation_id),
                error);
  }
  response_.resize(static_cast<size_t>(size) - 4);
  if (!receive_all(response_.data(), response_.size(), deadline, error)) return false;
  protocol::Reader in(protocol::ByteView(response_.data(), response_.size()));
  // ApiVersions responses keep header v0 even in flexible versions, so that a client can read them
  // before it knows what the broker supports.
  if (flexible && api_key != protocol::ApiVersionsResponse::kApiKey) {
    const uint32_t tagged = in.uvarint();  // response header v1: skip its tagged fields
    for (uint32_t i = 0; i < tagged && in.ok(); ++i) {
      in.uvarint();
      in.skip(in.uvarint());
    }
    if (!in.ok()) return fail("malformed response header", error);
  }
  body = protocol::ByteView(in.position(), in.remaining());
  return true;
}

bool BlockingClient::decoded(const protocol::Reader& in, int16_t api_key, int16_t version,
                             std::string& error) {
  if (in.ok() && in.remaining() == 0) return true;
  return fail(
      "malformed response to API " + std::to_string(api_key) + " v" + std::to_string(version),
      error);
}

bool BlockingClient::send_all(const uint8_t* data, size_t size, Clock::time_point deadline,
                              std::string& error) {
  while (size > 0) {
    if (!wait(POLLOUT, deadline, "sending the request", error)) return false;
    const ssize_t sent = ::send(socket_, data, size, MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (sent < 0) return fail(std::string("send: ") + std::strerror(errno), error);
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

bool BlockingClient::receive_all(uint8_t* data, size_t size, Clock::time_point deadline,
                                 std::string& error) {
  while (size > 0) {
    if (!wait(POLLIN, deadline, "waiting for the response", error)) return false;
    const ssize_t received = ::recv(socket_, data, size, 0);
    if (received < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (received < 0) return fail(std::string("recv: ") + std::strerror(errno), error);
    if (received == 0) return fail("connection closed by the broker", error);
    data += received;
    size -= static_cast<size_t>(received);
  }
  return true;
}

}  // namespace gregor::client
