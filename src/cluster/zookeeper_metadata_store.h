// ZooKeeperMetadataStore: the MetadataStore backend for clusters, a client of a real Apache
// ZooKeeper ensemble through its multi-threaded C library. Every broker of a cluster points at
// the same ensemble (`zookeeper.connect`), so the znodes it writes are what the other brokers,
// and Kafka's own tools (`zkCli.sh ls /brokers/ids`), see.
//
//   ZooKeeperMetadataStore::Options options;
//   std::string error;
//   if (!parse_zookeeper_connect("zk1:2181,zk2:2181/gregor", options, error)) return fail(error);
//   auto store = ZooKeeperMetadataStore::connect(options, error);
//   if (!store) return fail("zookeeper: " + error);
//   store->set_session_expired_listener([&] { registration_thread.wake(); });
//   store->create("/brokers/ids/1", registration_json, CreateMode::kEphemeral);
//
// Sessions: the store holds one ZooKeeper session at a time. Ephemeral nodes live as long as it,
// and the C client re-establishes the TCP connection (to any server of the ensemble) by itself
// while the session lasts; calls made while it is disconnected fail with kConnectionLoss once
// the client gives up on a server (at worst after about the session timeout). When the ensemble
// expires the session (the broker was unreachable for longer than the session timeout), its
// ephemeral nodes and watches are gone: the expiry listener is told once, every call returns
// kSessionExpired, and the owner calls reconnect() and re-creates its ephemeral nodes.
//
// Chroot: "host:port/chroot" confines the store to that subtree; connect() creates the chroot
// path when it is missing, as Kafka does, and paths are given relative to it ("/brokers/ids").
//
// Threading: every method may be called from any thread, including from a watcher. Calls are
// synchronous requests to the server. Watchers and the expiry listener run on the C client's
// event thread, one at a time, without any lock of the store held.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"

namespace gregor::cluster {

namespace zookeeper_internal {
class Session;
}

class ZooKeeperMetadataStore final : public MetadataStore {
 public:
  // The zookeeper.* keys of server.properties, with Kafka's defaults.
  struct Options {
    std::string hosts;   // "host:port,host:port", without the chroot
    std::string chroot;  // "/gregor", or "" for the ensemble's root
    int session_timeout_ms = 18000;
    int connection_timeout_ms = -1;  // how long connect() waits; -1: the session timeout
  };

  // Connects, waits up to the connection timeout for a session, and creates the chroot if it is
  // missing. Returns null and sets `error` (one line) if no server answered in time.
  static std::unique_ptr<ZooKeeperMetadataStore> connect(const Options& options,
                                                         std::string& error);

  ~ZooKeeperMetadataStore() override;  // closes the session: its ephemeral nodes go at once
  ZooKeeperMetadataStore(const ZooKeeperMetadataStore&) = delete;
  ZooKeeperMetadataStore& operator=(const ZooKeeperMetadataStore&) = delete;

  StoreError create(const std::string& path, std::string data, CreateMode mode,
                    std::string* created_path = nullptr) override;
  StoreError create_recursive(const std::string& path, std::string data) override;
  StoreError get(const std::string& path, std::string& data, Stat* stat = nullptr,
                 Watcher watch = {}) override;
  StoreError set(const std::string& path, std::string data, int32_t expected_version = -1,
                 Stat* stat = nullptr) override;
  StoreError remove(const std::string& path, int32_t expected_version = -1) override;
  StoreError remove_recursive(const std::string& path) override;
  StoreError exists(const std::string& path, Stat* stat = nullptr, Watcher watch = {}) override;
  StoreError children(const std::string& path, std::vector<std::string>& names,
                      Watcher watch = {}) override;
  // Arguments are checked before anything is sent: a malformed op fails the multi at its index
  // even when an earlier op would have failed on the server.
  StoreError multi(const std::vector<StoreOp>& ops,
                   std::vector<OpResult>* results = nullptr) override;

  // Called once each time the current session expires, on the event thread. It must return
  // quickly and must not call reconnect() itself: hand that to another thread.
  void set_session_expired_listener(std::function<void()> listener);

  // Replaces the current session (expired or not) with a new one, waiting up to the connection
  // timeout. The old session's ephemeral nodes and pending watches are gone. Must not be called
  // from a watcher or the expiry listener.
  bool reconnect(std::string& error);

  // Ends the current session as an expiry would: the ensemble removes its ephemeral nodes, its
  // watches are dropped, the listener is told (on this thread) and every call returns
  // kSessionExpired until reconnect(). kSessionExpired if there was no live session. Lets tests
  // exercise the broker's and the controller's failover without waiting for a real expiry.
  StoreError expire_session();

  // Returns once every watcher triggered by an event this session has already received has
  // run. Must not be called from a watcher. Lets tests check what a change made this session's
  // watchers do, without waiting for a duration.
  void wait_for_watchers();

 private:
  explicit ZooKeeperMetadataStore(Options options);
  // What the server would refuse anyway (malformed path, data over kMaxDataBytes, removing or
  // re-creating "/"), decided before anything is sent, with the embedded store's results.
  static StoreError check_arguments(StoreOp::Kind kind, const std::string& path, size_t data_size,
                                    CreateMode mode = CreateMode::kPersistent);
  std::shared_ptr<zookeeper_internal::Session> session() const;
  StoreError remove_subtree(const std::string& path);

  struct ExpiryListener {
    std::mutex mu;
    std::function<void()> listener;
    void tell();  // runs the listener, if any
  };

  const Options options_;
  const std::shared_ptr<ExpiryListener> listener_;  // shared with the sessions
  mutable std::mutex mu_;                           // guards session_
  std::shared_ptr<zookeeper_internal::Session> session_;
};

// Splits Kafka's `zookeeper.connect` ("h1:2181,h2:2181/chroot") into options.hosts and
// options.chroot. False, with a one-line `error`, when it is empty, names no port, or the chroot
// is not a valid path.
bool parse_zookeeper_connect(const std::string& connect, ZooKeeperMetadataStore::Options& options,
                             std::string& error);

}  // namespace gregor::cluster
