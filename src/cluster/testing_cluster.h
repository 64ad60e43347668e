// Test helpers for src/cluster tests only (no .cc: nothing here is linked into gregor_cluster).
// InMemoryCluster: one znode tree shared by several sessions, as one ZooKeeper ensemble is by
// several brokers. Each session is its own MetadataStore with its own ephemeral nodes and
// watches, so tests can run one controller per "broker" and kill brokers by expiring sessions.
//
//   InMemoryCluster zk;
//   auto broker1 = zk.connect();
//   auto broker2 = zk.connect();
//   broker1->create("/controller", "...", CreateMode::kEphemeral);
//   broker2->exists("/controller", nullptr, on_change);
//   zk.expire(*broker1);  // /controller vanishes, on_change(kDeleted) runs
//
// Watchers run on the thread whose call (or expire) made the change, after the lock is
// released, like the embedded store. Not modelled: connection loss, and the session-expired
// error on calls made after an expiry (the session is usable again at once, as if the client had
// reconnected with a new session).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/metadata_ops.h"
#include "cluster/metadata_store.h"
#include "common/clock.h"

namespace gregor::cluster::testing {

class InMemoryCluster {
 public:
  class Session;

  InMemoryCluster() { tree_.emplace("/", metadata_internal::Node{}); }

  // A new session; closing it (destroying the object) removes its ephemerals, as a clean
  // ZooKeeper close does. Sessions must not outlive the cluster.
  std::unique_ptr<Session> connect();

  // ZooKeeper session expiry: the session's pending watches are dropped (they never fire), its
  // ephemeral nodes are removed and the other sessions' watches on them fire.
  void expire(Session& session);

  // While held, the watches that fire for `session` wait in a queue (a session whose client is
  // paused, e.g. by a long GC); release delivers them in order on the calling thread.
  void hold_watches(Session& session);
  void release_watches(Session& session);

 private:
  using Txn = metadata_internal::Txn;
  using FiredWatch = metadata_internal::FiredWatch;
  struct SessionState {
    metadata_internal::WatchTable data_watches;
    metadata_internal::WatchTable child_watches;
    bool held = false;
    std::vector<FiredWatch> queued;
  };

  // Runs `body` (which applies ops to the tree through the Txn) under the lock for `session`,
  // rolls back on error, otherwise records ephemeral owners and fires the triggered watches.
  template <typename Body>
  StoreError mutate(int session, Body&& body);
  template <typename Body>
  auto read(Body&& body) {
    std::lock_guard lock(mu_);
    return body(tree_);
  }
  void add_watch(int session, bool child, const std::string& path, Watcher watch) {
    if (!watch) return;
    auto& state = sessions_.at(session);
    (child ? state.child_watches : state.data_watches)[path].push_back(std::move(watch));
  }
  void end_session(int session, bool keep);

  std::mutex mu_;
  metadata_internal::Tree tree_;
  std::map<int, SessionState> sessions_;
  std::map<std::string, int> ephemeral_owner_;
  int next_session_ = 1;
};

class InMemoryCluster::Session final : public MetadataStore {
 public:
  Session(InMemoryCluster& cluster, int id) : cluster_(cluster), id_(id) {}
  ~Session() override { cluster_.end_session(id_, /*keep=*/false); }
  int id() const { return id_; }

  StoreError create(const std::string& path, std::string data, CreateMode mode,
                    std::string* created_path = nullptr) override {
    return cluster_.mutate(id_, [&](metadata_internal::Tree& tree, Txn& txn) {
      return metadata_internal::apply_op(tree, StoreOp::create(path, std::move(data), mode),
                                         wall_clock_ms(), txn, created_path);
    });
  }
  StoreError create_recursive(const std::string& path, std::string data) override {
    if (!metadata_internal::valid_path(path)) return StoreError::kBadArguments;
    return cluster_.mutate(id_, [&](metadata_internal::Tree& tree, Txn& txn) {
      for (size_t slash = path.find('/', 1); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        if (tree.contains(path.substr(0, slash))) continue;
        auto e = metadata_internal::apply_op(tree, StoreOp::create(path.substr(0, slash), ""),
                                             wall_clock_ms(), txn, nullptr);
        if (e != StoreError::kOk) return e;
      }
      return metadata_internal::apply_op(tree, StoreOp::create(path, std::move(data)),
                                         wall_clock_ms(), txn, nullptr);
    });
  }
  StoreError get(const std::string& path, std::string& data, Stat* stat = nullptr,
                 Watcher watch = {}) override {
    if (!metadata_internal::valid_path(path)) return StoreError::kBadArguments;
    return cluster_.read([&](metadata_internal::Tree& tree) {
      auto it = tree.find(path);
      if (it == tree.end()) return StoreError::kNoNode;
      data = it->second.data;
      if (stat) *stat = metadata_internal::stat_of(it->second);
      cluster_.add_watch(id_, false, path, std::move(watch));
      return StoreError::kOk;
    });
  }
  StoreError set(const std::string& path, std::string data, int32_t expected_version = -1,
                 Stat* stat = nullptr) override {
    return cluster_.mutate(id_, [&](metadata_internal::Tree& tree, Txn& txn) {
      auto e =
          metadata_internal::apply_op(tree, StoreOp::set(path, std::move(data), expected_version),
                                      wall_clock_ms(), txn, nullptr);
      if (e == StoreError::kOk && stat) *stat = metadata_internal::stat_of(tree.at(path));
      return e;
    });
  }
  StoreError remove(const std::string& path, int32_t expected_version = -1) override {
    return multi({StoreOp::remove(path, expected_version)});
  }
  StoreError remove_recursive(const std::string& path) override {
    if (!metadata_internal::valid_path(path) || path == "/") return StoreError::kBadArguments;
    return cluster_.mutate(id_, [&](metadata_internal::Tree& tree, Txn& txn) {
      if (!tree.contains(path)) return StoreError::kNoNode;
      for (const auto& node : metadata_internal::subtree_post_order(tree, path)) {
        auto e =
            metadata_internal::apply_op(tree, StoreOp::remove(node), wall_clock_ms(), txn, nullptr);
        if (e != StoreError::kOk) return e;
      }
      return StoreError::kOk;
    });
  }
  StoreError exists(const std::string& path, Stat* stat = nullptr, Watcher watch = {}) override {
    if (!metadata_internal::valid_path(path)) return StoreError::kBadArguments;
    return cluster_.read([&](metadata_internal::Tree& tree) {
      cluster_.add_watch(id_, false, path, std::move(watch));
      auto it = tree.find(path);
      if (it == tree.end()) return StoreError::kNoNode;
      if (stat) *stat = metadata_internal::stat_of(it->second);
      return StoreError::kOk;
    });
  }
  StoreError children(const std::string& path, std::vector<std::string>& names,
                      Watcher watch = {}) override {
    if (!metadata_internal::valid_path(path)) return StoreError::kBadArguments;
    return cluster_.read([&](metadata_internal::Tree& tree) {
      auto it = tree.find(path);
      if (it == tree.end()) return StoreError::kNoNode;
      names.assign(it->second.children.begin(), it->second.children.end());
      cluster_.add_watch(id_, true, path, std::move(watch));
      return StoreError::kOk;
    });
  }
  StoreError multi(const std::vector<StoreOp>& ops,
                   std::vector<OpResult>* results = nullptr) override {
    if (results) results->assign(ops.size(), OpResult{});
    return cluster_.mutate(id_, [&](metadata_internal::Tree& tree, Txn& txn) {
      for (size_t i = 0; i < ops.size(); ++i) {
        std::string created;
        auto e = metadata_internal::apply_op(tree, ops[i], wall_clock_ms(), txn, &created);
        if (results) (*results)[i] = {e, created};
        if (e == StoreError::kOk) continue;
        for (size_t j = i + 1; results && j < ops.size(); ++j) {
          (*results)[j].error = StoreError::kRuntimeInconsistency;
        }
        return e;
      }
      return StoreError::kOk;
    });
  }

 private:
  InMemoryCluster& cluster_;
  const int id_;
};

inline std::unique_ptr<InMemoryCluster::Session> InMemoryCluster::connect() {
  std::lock_guard lock(mu_);
  int id = next_session_++;
  sessions_[id];
  return std::make_unique<Session>(*this, id);
}

template <typename Body>
StoreError InMemoryCluster::mutate(int session, Body&& body) {
  std::unique_lock lock(mu_);
  Txn txn;
  StoreError e = body(tree_, txn);
  if (e != StoreError::kOk) {
    metadata_internal::rollback(tree_, txn);
    return e;
  }
  for (const auto& m : txn.mutations) {
    if (m.kind == metadata_internal::Mutation::Kind::kCreate && m.ephemeral) {
      ephemeral_owner_[m.path] = session;
    } else if (m.kind == metadata_internal::Mutation::Kind::kRemove) {
      ephemeral_owner_.erase(m.path);
    }
  }
  std::vector<FiredWatch> fired;
  for (auto& [id, state] : sessions_) {
    auto& into = state.held ? state.queued : fired;
    metadata_internal::take_triggered_watches(txn.mutations, state.data_watches,
                                              state.child_watches, into);
  }
  lock.unlock();
  for (auto& f : fired)
    f.watcher(f.event, f.path);
  return StoreError::kOk;
}

inline void InMemoryCluster::end_session(int session, bool keep) {
  {
    std::lock_guard lock(mu_);
    auto& state = sessions_.at(session);
    state.data_watches.clear();
    state.child_watches.clear();
    state.queued.clear();
    state.held = false;
    if (!keep) sessions_.erase(session);
  }
  mutate(session, [&](metadata_internal::Tree& tree, Txn& txn) {
    for (const auto& [path, owner] : ephemeral_owner_) {
      if (owner != session) continue;
      auto e =
          metadata_internal::apply_op(tree, StoreOp::remove(path), wall_clock_ms(), txn, nullptr);
      if (e != StoreError::kOk) return e;
    }
    return StoreError::kOk;
  });
}

inline void InMemoryCluster::expire(Session& session) {
  end_session(session.id(), true);
}

inline void InMemoryCluster::hold_watches(Session& session) {
  std::lock_guard lock(mu_);
  sessions_.at(session.id()).held = true;
}

inline void InMemoryCluster::release_watches(Session& session) {
  std::vector<FiredWatch> queued;
  {
    std::lock_guard lock(mu_);
    auto& state = sessions_.at(session.id());
    state.held = false;
    queued.swap(state.queued);
  }
  for (auto& f : queued)
    f.watcher(f.event, f.path);
}

// The contract suite's backend (testing_store_contract.h): one session of a fresh cluster, so the
// double the controller tests rely on keeps the semantics both real backends have.
struct InMemoryClusterBackend {
  using Store = InMemoryCluster::Session;
  bool set_up(std::string&) { return true; }
  std::unique_ptr<Store> open() { return cluster.connect(); }
  void settle(Store&) {}  // watchers ran before the change returned

  InMemoryCluster cluster;
};

}  // namespace gregor::cluster::testing
