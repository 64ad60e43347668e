// Test helpers for src/cluster tests only (no .cc: nothing here is linked into gregor_cluster).
// TestZooKeeper runs a real standalone ZooKeeper server (Debian package `zookeeper`, on the
// installed Java) as a child process, on a free loopback port, with its own data directory:
//
//   java -cp /usr/share/java/zookeeper.jar:... org.apache.zookeeper.server.quorum.QuorumPeerMain
//        <dir>/zoo.cfg
//
// No system service is touched. The server is stopped by PID when the object is destroyed, and
// the kernel kills it if the test process dies first (PR_SET_PDEATHSIG), so a failing or
// crashing test leaves nothing running.
//
//   TestZooKeeper zk;
//   std::string error;
//   if (!TestZooKeeper::installed(error)) GTEST_SKIP() << error;
//   ASSERT_TRUE(zk.start(error)) << error;
//   options.hosts = zk.hosts();      // "127.0.0.1:<port>"
//   zk.stop();                       // the server is gone; its data stays for start() again
#pragma once

#include "common/temp_dir.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "cluster/testing_loopback.h"
#include "cluster/zookeeper_metadata_store.h"

namespace gregor::cluster::testing {

class TestZooKeeper {
 public:
  static constexpr const char* kJar = "/usr/share/java/zookeeper.jar";
  static constexpr const char* kJava = "/usr/bin/java";
  static constexpr const char* kLogBinding = "/usr/share/java/slf4j-simple.jar";
  // Data larger than ZooKeeper's default request limit (1 MiB) is allowed: the store accepts
  // node data up to kMaxDataBytes, and a request carries a little more than its data.
  static constexpr const char* kMaxBuffer = "-Djute.maxbuffer=4194304";

  TestZooKeeper() = default;
  ~TestZooKeeper() {
    stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  TestZooKeeper(const TestZooKeeper&) = delete;
  TestZooKeeper& operator=(const TestZooKeeper&) = delete;

  // Whether the server can be run here; if not, `why` says what to install. With
  // GREGOR_REQUIRE_ZOOKEEPER set (`make test` sets it) a missing server also fails the test:
  // a run meant to cover everything must not pass by skipping.
  static bool installed(std::string& why) {
    if (::access(kJar, R_OK) == 0 && ::access(kJava, X_OK) == 0) return true;
    why = std::string("ZooKeeper is not installed (") + kJar + " or " + kJava +
          " missing; apt-get install zookeeper): skipping the ZooKeeper tests";
    if (std::getenv("GREGOR_REQUIRE_ZOOKEEPER") != nullptr) ADD_FAILURE() << why;
    return false;
  }

  // Starts the server (on the same port and data as before, after a stop()) and waits until it
  // answers. False with `error` (and the server's log) if it did not within a minute.
  bool start(std::string& error) {
    if (dir_.empty() && !prepare(error)) return false;
    // Everything the child needs is made before fork(): after it, only exec-safe calls.
    const std::string log_path = dir_ + "/server.log";
    const std::string classpath = std::string(kJar) + ":" + kLogBinding;
    const std::string cfg = dir_ + "/zoo.cfg";
    pid_ = ::fork();
    if (pid_ < 0) return error = "fork failed", false;
    if (pid_ == 0) run_server(log_path.c_str(), classpath.c_str(), cfg.c_str());
    for (int attempt = 0; attempt < 600; ++attempt) {
      if (answers()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error = "ZooKeeper exited at start-up; its log:\n" + log();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    error = "ZooKeeper did not answer on " + hosts() + " within a minute; its log:\n" + log();
    stop();
    return false;
  }

  // Stops the server by PID (SIGTERM, then SIGKILL if it lingers) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return void(pid_ = -1);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  bool running() const { return pid_ > 0; }

  std::string hosts() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const {
    std::ifstream in(dir_ + "/server.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  bool prepare(std::string& error) {
    dir_ = make_temp_dir("gregor_zk");
    if (dir_.empty()) return error = "cannot make a temporary directory", false;
    port_ = free_loopback_port();
    if (port_ == 0) return error = "no free loopback port", false;
    std::filesystem::create_directories(dir_ + "/data");
    std::ofstream cfg(dir_ + "/zoo.cfg");
    cfg << "tickTime=200\n"
        << "dataDir=" << dir_ << "/data\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "maxSessionTimeout=60000\n"
        << "admin.enableServer=false\n";
    return cfg.good() || (error = "cannot write zoo.cfg", false);
  }

  // The child: dies with the test process, logs to `log_path`, becomes the JVM.
  [[noreturn]] static void run_server(const char* log_path, const char* classpath,
                                      const char* cfg) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log_fd = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 || ::dup2(log_fd, STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::execl(kJava, kJava, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", kMaxBuffer,
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
            "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg, static_cast<char*>(nullptr));
    ::_exit(127);
  }

  // ZooKeeper's "srvr" four-letter command (allowed by default) answers once it serves.
  bool answers() const {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    timeval timeout{1, 0};  // a server still starting may accept and stay silent
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr = loopback_address(port_);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
              ::write(fd, "srvr", 4) == 4;
    std::string reply;
    char buf[512];
    for (ssize_t n; ok && (n = ::read(fd, buf, sizeof(buf))) > 0;)
      reply.append(buf, n);
    ::close(fd);
    return reply.find("Mode: standalone") != std::string::npos;
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// One server for all the tests of this program that do not stop it: started on first use,
// stopped (by the static's destruction) when the program exits. Null, with `error`, if it did
// not start.
inline TestZooKeeper* shared_zookeeper(std::string& error) {
  static std::unique_ptr<TestZooKeeper> server;
  static std::string start_error;
  if (!server && start_error.empty()) {
    server = std::make_unique<TestZooKeeper>();
    if (!server->start(start_error)) server.reset();
  }
  error = start_error;
  return server.get();
}

// Store options for tests against `hosts`: short enough timeouts to see failures quickly.
inline ZooKeeperMetadataStore::Options test_store_options(const std::string& hosts,
                                                          const std::string& chroot = "") {
  ZooKeeperMetadataStore::Options options;
  options.hosts = hosts;
  options.chroot = chroot;
  options.session_timeout_ms = 6000;
  options.connection_timeout_ms = 15000;
  return options;
}

// A chroot no other test of this program uses, so tests sharing a server start empty.
inline std::string unique_chroot(const std::string& prefix) {
  static std::atomic<int> next{0};
  return "/" + prefix + "-" + std::to_string(next++);
}

// The contract suite's backend (testing_store_contract.h): every test gets its own chroot on
// the shared server.
struct ZooKeeperBackend {
  using Store = ZooKeeperMetadataStore;

  bool set_up(std::string& why) {
    if (!TestZooKeeper::installed(why)) return false;
    TestZooKeeper* server = shared_zookeeper(why);
    if (!server) {
      ADD_FAILURE() << why;
      return false;
    }
    options = test_store_options(server->hosts(), unique_chroot("contract"));
    return true;
  }
  std::unique_ptr<Store> open() {
    std::string error;
    auto store = Store::connect(options, error);
    EXPECT_TRUE(store) << error;
    return store;
  }
  void settle(Store& store) { store.wait_for_watchers(); }

  ZooKeeperMetadataStore::Options options;
};

}  // namespace gregor::cluster::testing
