// The session table, the two C callbacks (session state, path watches) and the error mapping.
#include "cluster/zookeeper_session.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace gregor::cluster::zookeeper_internal {

// What the session-state callback reports, waited on by open().
struct Session::Events {
  std::function<void()> on_expired;
  mutable std::mutex mu;
  mutable std::condition_variable changed;
  bool connected = false;
  bool expired = false;
  std::unordered_set<uint64_t> armed;  // ids of this session's unfired watchers
};

namespace {

struct ArmedWatch {
  Watcher watcher;
  uint64_t session;
};

// The process-wide table behind every `void*` context given to the C client.
struct Table {
  std::mutex mu;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Session::Events>> sessions;
  std::unordered_map<uint64_t, ArmedWatch> watches;
};

Table& table() {
  static Table* t = new Table;  // never destroyed: the C threads may outlive static destructors
  return *t;
}

void* as_context(uint64_t id) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
}
uint64_t from_context(const void* context) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(context));
}

std::shared_ptr<Session::Events> find_session(uint64_t key) {
  std::lock_guard lock(table().mu);
  auto it = table().sessions.find(key);
  return it == table().sessions.end() ? nullptr : it->second;
}

void on_session_event(zhandle_t*, int type, int state, const char*, void* context) {
  if (type != ZOO_SESSION_EVENT) return;
  auto events = find_session(from_context(context));
  if (!events) return;
  bool newly_expired = false;
  {
    std::lock_guard lock(events->mu);
    events->connected = state == ZOO_CONNECTED_STATE;
    if (state == ZOO_EXPIRED_SESSION_STATE && !events->expired) {
      events->expired = newly_expired = true;
    }
  }
  events->changed.notify_all();
  if (newly_expired && events->on_expired) events->on_expired();
}

std::optional<WatchEvent> watch_event_of(int type) {
  if (type == ZOO_CREATED_EVENT) return WatchEvent::kCreated;
  if (type == ZOO_DELETED_EVENT) return WatchEvent::kDeleted;
  if (type == ZOO_CHANGED_EVENT) return WatchEvent::kDataChanged;
  if (type == ZOO_CHILD_EVENT) return WatchEvent::kChildrenChanged;
  return std::nullopt;  // ZOO_NOTWATCHING_EVENT: the server dropped the watch
}

void on_path_event(zhandle_t*, int type, int, const char* path, void* context) {
  // The C client also shows every armed watcher the session's state changes; a watch survives
  // a reconnection (the client re-registers it), so those are not the watched change.
  if (type == ZOO_SESSION_EVENT) return;
  uint64_t id = from_context(context);
  ArmedWatch armed;
  {
    std::lock_guard lock(table().mu);
    auto it = table().watches.find(id);
    if (it == table().watches.end()) return;
    armed = std::move(it->second);
    table().watches.erase(it);
  }
  if (auto events = find_session(armed.session)) {
    std::lock_guard lock(events->mu);
    events->armed.erase(id);
  }
  if (auto event = watch_event_of(type)) armed.watcher(*event, path ? path : "");
}

void log_client_message(const char* message) {
  spdlog::warn("zookeeper client: {}", message);
}

}  // namespace

std::shared_ptr<Session> Session::open(Params params, std::string& error) {
  static std::once_flag log_level_once;
  std::call_once(log_level_once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
  auto events = std::make_shared<Events>();
  events->on_expired = params.on_expired;
  uint64_t key;
  {
    std::lock_guard lock(table().mu);
    key = table().next_id++;
    table().sessions.emplace(key, events);
  }
  std::shared_ptr<Session> session(new Session(std::move(params), key, events));
  const Params& p = session->params_;
  session->zh_ = zookeeper_init2(p.connect.c_str(), &on_session_event, p.session_timeout_ms,
                                 nullptr, as_context(key), 0, &log_client_message);
  if (!session->zh_) {
    error = "cannot start a ZooKeeper client for '" + p.connect + "': " + std::strerror(errno);
    return nullptr;
  }
  std::unique_lock lock(events->mu);
  bool settled = events->changed.wait_for(lock, std::chrono::milliseconds(p.connection_timeout_ms),
                                          [&] { return events->connected || events->expired; });
  if (events->expired) {
    error = "ZooKeeper at " + p.connect + " reported the session expired";
    return nullptr;
  }
  if (!settled) {
    error = "no ZooKeeper server of " + p.connect + " answered within " +
            std::to_string(p.connection_timeout_ms) + " ms";
    return nullptr;
  }
  return session;
}

Session::Session(Params params, uint64_t key, std::shared_ptr<Events> events)
    : params_(std::move(params)), key_(key), events_(std::move(events)) {}

Session::~Session() {
  if (zh_) zookeeper_close(zh_);
  std::lock_guard lock(table().mu);
  table().sessions.erase(key_);
  std::lock_guard events_lock(events_->mu);
  for (uint64_t id : events_->armed)
    table().watches.erase(id);
}

bool Session::expired() const {
  std::lock_guard lock(events_->mu);
  return events_->expired;
}

Session::Armed Session::arm(Watcher watch) {
  if (!watch) return {};
  uint64_t id;
  {
    std::lock_guard lock(table().mu);
    id = table().next_id++;
    table().watches.emplace(id, ArmedWatch{std::move(watch), key_});
  }
  std::lock_guard lock(events_->mu);
  events_->armed.insert(id);
  return {&on_path_event, as_context(id)};
}

void Session::disarm(const Armed& armed) {
  if (!armed.context) return;
  uint64_t id = from_context(armed.context);
  {
    std::lock_guard lock(table().mu);
    table().watches.erase(id);
  }
  std::lock_guard lock(events_->mu);
  events_->armed.erase(id);
}

StoreError Session::error_of(int rc, const char* what) const {
  switch (rc) {
    case ZOK:
      return StoreError::kOk;
    case ZNONODE:
      return StoreError::kNoNode;
    case ZNODEEXISTS:
      return StoreError::kNodeExists;
    case ZBADVERSION:
      return StoreError::kBadVersion;
    case ZNOTEMPTY:
      return StoreError::kNotEmpty;
    case ZBADARGUMENTS:
      return StoreError::kBadArguments;
    case ZNOCHILDRENFOREPHEMERALS:
      return StoreError::kNoChildrenForEphemerals;
    case ZRUNTIMEINCONSISTENCY:
      return StoreError::kRuntimeInconsistency;
    case ZSESSIONEXPIRED:
      return StoreError::kSessionExpired;
    case ZINVALIDSTATE:  // the handle is expired (or failed authentication)
      return zoo_state(zh_) == ZOO_EXPIRED_SESSION_STATE ? StoreError::kSessionExpired
                                                         : StoreError::kConnectionLoss;
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
    case ZCLOSING:
    case ZSESSIONMOVED:
    case ZTHROTTLEDOP:
      return StoreError::kConnectionLoss;  // the request may or may not have been applied
    default:
      spdlog::error("zookeeper: {} failed: {}", what, zerror(rc));
      return StoreError::kIoError;
  }
}

void Session::wait_for_watchers() const {
  // The event thread runs watchers and asynchronous completions in the order the server's
  // replies arrived; the reply to this exists comes after every event already received.
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  auto* token = new std::shared_ptr<Done>(done);  // owned by the completion
  auto complete = [](int, const ::Stat*, const void* data) {
    auto* owned = static_cast<std::shared_ptr<Done>*>(const_cast<void*>(data));
    {
      std::lock_guard lock((*owned)->mu);
      (*owned)->done = true;
    }
    (*owned)->cv.notify_all();
    delete owned;
  };
  if (zoo_aexists(zh_, "/", 0, complete, token) != ZOK) {
    delete token;
    return;
  }
  std::unique_lock lock(done->mu);
  done->cv.wait_for(lock, std::chrono::milliseconds(params_.session_timeout_ms),
                    [&] { return done->done; });
}

}  // namespace gregor::cluster::zookeeper_internal
