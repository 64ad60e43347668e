// Test helpers for src/cluster tests only. TcpProxy forwards loopback TCP connections to a
// server and can cut them, the way a network partition would: the server sees the connections
// close and new ones are refused until heal(). Tests use it to cut a ZooKeeper client off from
// a running server for longer than its session timeout.
//
//   TcpProxy proxy(server_port);
//   options.hosts = "127.0.0.1:" + std::to_string(proxy.port());
//   proxy.cut();   // connections closed, new ones refused
//   proxy.heal();  // accepted again
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/testing_loopback.h"

namespace gregor::cluster::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : target_port_(target_port) {
    if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
    listen_fd_ = listen_on(0);
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    if (listen_fd_ >= 0) ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpProxy() {
    command(Command::kStop);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Closes every forwarded connection and refuses new ones; returns once done.
  void cut() { command(Command::kCut); }
  // Accepts connections again, on the same port.
  void heal() { command(Command::kHeal); }

 private:
  enum class Command { kNone, kCut, kHeal, kStop };

  static int listen_on(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = loopback_address(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 16)) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Hands `c` to the proxy thread and waits until it was carried out.
  void command(Command c) {
    std::unique_lock lock(mu_);
    pending_ = c;
    char byte = 0;
    if (::write(wake_[1], &byte, 1) != 1) return;
    done_.wait(lock, [&] { return pending_ == Command::kNone; });
  }

  void close_all() {
    for (auto [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    pairs_.clear();
  }

  void accept_one() {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback_address(target_port_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(server);
      ::close(client);
      return;
    }
    pairs_.emplace_back(client, server);
  }

  // Moves what `from` has to `to`; false when either side is done.
  static bool forward(int from, int to) {
    char buf[65536];
    ssize_t n = ::read(from, buf, sizeof(buf));
    for (ssize_t off = 0; n > 0 && off < n;) {
      ssize_t w = ::write(to, buf + off, n - off);
      if (w <= 0) return false;
      off += w;
    }
    return n > 0;
  }

  // Returns true when told to stop.
  bool carry_out_command() {
    char byte;
    while (::read(wake_[0], &byte, 1) != 1) {
    }
    std::lock_guard lock(mu_);
    Command c = std::exchange(pending_, Command::kNone);
    if (c == Command::kCut || c == Command::kStop) {
      close_all();
      if (listen_fd_ >= 0) ::close(listen_fd_);
      listen_fd_ = -1;
    } else if (c == Command::kHeal && listen_fd_ < 0) {
      listen_fd_ = listen_on(port_);
    }
    done_.notify_all();
    return c == Command::kStop;
  }

  void run() {
    for (;;) {
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (auto [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents && carry_out_command()) return;
      if (fds[0].revents) continue;  // the descriptors may have changed
      std::vector<std::pair<int, int>> alive;
      for (size_t i = 0; i < pairs_.size(); ++i) {
        auto [a, b] = pairs_[i];
        bool ok = (!fds[2 + 2 * i].revents || forward(a, b)) &&
                  (!fds[3 + 2 * i].revents || forward(b, a));
        if (ok) {
          alive.emplace_back(a, b);
        } else {
          ::close(a);
          ::close(b);
        }
      }
      pairs_ = std::move(alive);
      if (fds[1].revents) accept_one();
    }
  }

  const int target_port_;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  int listen_fd_ = -1;                      // -1 while cut
  std::vector<std::pair<int, int>> pairs_;  // client, server; owned by the proxy thread

  std::mutex mu_;
  std::condition_variable done_;
  Command pending_ = Command::kNone;
  std::thread thread_;
};

}  // namespace gregor::cluster::testing
