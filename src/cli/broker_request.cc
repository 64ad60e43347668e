#include "cli/broker_request.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace gregor::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A socket closed when it goes out of scope.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits until `fd` is ready for `events`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int rc = 0;
  do {
    rc = ::poll(&p, 1, remaining_ms(deadline));
  } while (rc < 0 && errno == EINTR);
  return rc == 1 && (p.revents & events) != 0;
}

bool connect_to(Socket& socket, const std::string& host, int port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  bool connected = false;
  for (addrinfo* a = found; a != nullptr && !connected; a = a->ai_next) {
    Socket attempt;
    attempt.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (attempt.fd < 0) continue;
    if (::connect(attempt.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) continue;
    int error = 0;
    socklen_t size = sizeof error;
    if (!wait_for(attempt.fd, POLLOUT, deadline) ||
        ::getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
      continue;
    }
    std::swap(socket.fd, attempt.fd);
    connected = true;
  }
  ::freeaddrinfo(found);
  return connected;
}

bool send_all(int fd, const uint8_t* data, size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool receive_all(int fd, uint8_t* data, size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (!wait_for(fd, POLLIN, deadline)) return false;
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<std::vector<uint8_t>> exchange(const std::string& host, int port,
                                             const std::vector<uint8_t>& frame,
                                             int32_t correlation_id, int timeout_ms) {
  constexpr int32_t kMaxResponseBytes = 100 << 20;  // a describe answer is far smaller
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Socket socket;
  if (!connect_to(socket, host, port, deadline)) return std::nullopt;
  if (!send_all(socket.fd, frame.data(), frame.size(), deadline)) return std::nullopt;
  uint8_t prefix[8];  // size and correlation id (response header v0)
  if (!receive_all(socket.fd, prefix, sizeof prefix, deadline)) return std::nullopt;
  protocol::Reader header(protocol::ByteView(prefix, sizeof prefix));
  const int32_t size = header.i32();
  if (header.i32() != correlation_id || size < 4 || size > kMaxResponseBytes) return std::nullopt;
  std::vector<uint8_t> body(static_cast<size_t>(size - 4));
  if (!receive_all(socket.fd, body.data(), body.size(), deadline)) return std::nullopt;
  return body;
}

}  // namespace gregor::cli
