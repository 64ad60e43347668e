// One ZooKeeper session of ZooKeeperMetadataStore: a zhandle_t of the C client, the state the
// client reports for it (connecting, connected, expired), and the watchers armed through it.
// Private to src/cluster.
//
// The C client calls back with a `void*` context, and may do so from its event thread after
// the session object is gone (the handle can be closed from that very thread). So contexts are
// never pointers: they are ids into one process-wide table, and an id that is no longer there is
// ignored. A watcher is taken out of the table before it runs, so it runs at most once, and
// closing a session drops its unfired watchers without running them.
#pragma once

#include <zookeeper/zookeeper.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cluster/metadata_store.h"

namespace gregor::cluster::zookeeper_internal {

class Session {
 public:
  struct Params {
    std::string connect;  // "h1:2181,h2:2181/chroot", as the C client takes it
    int session_timeout_ms = 18000;
    int connection_timeout_ms = 18000;
    std::function<void()> on_expired;  // called once, on the event thread
  };

  // Starts the client and waits up to the connection timeout for the session to be
  // established. Null, with a one-line `error`, if it was not.
  static std::shared_ptr<Session> open(Params params, std::string& error);
  ~Session();  // closes the handle; unfired watchers are dropped
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  zhandle_t* handle() const { return zh_; }
  bool expired() const;

  // A watcher handed to the C client: `fn` and `context` go to zoo_wget and friends.
  struct Armed {
    watcher_fn fn = nullptr;
    void* context = nullptr;
  };
  // Registers `watch` (if set) for one C call; disarm() it if that call did not set the watch.
  Armed arm(Watcher watch);
  void disarm(const Armed& armed);

  // The StoreError for a C client return code, telling an expired session from a lost
  // connection. Codes without a StoreError are logged with `what` and become kIoError.
  StoreError error_of(int rc, const char* what) const;

  // See ZooKeeperMetadataStore::wait_for_watchers().
  void wait_for_watchers() const;

  struct Events;  // connection state shared with the event thread; defined in the .cc

 private:
  Session(Params params, uint64_t key, std::shared_ptr<Events> events);

  const Params params_;
  const uint64_t key_;  // this session's id in the process-wide table
  std::shared_ptr<Events> events_;
  zhandle_t* zh_ = nullptr;
};

// The C client's create flags for `mode`.
inline int create_flags(CreateMode mode) {
  return (is_ephemeral(mode) ? ZOO_EPHEMERAL : 0) | (is_sequential(mode) ? ZOO_SEQUENCE : 0);
}

}  // namespace gregor::cluster::zookeeper_internal
