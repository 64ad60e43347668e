// ZooKeeperMetadataStore: each MetadataStore call as one synchronous C client call on the
// current session. The synchronous calls complete on the client's I/O thread, so a watcher
// (running on the event thread) may make them too. Sessions: zookeeper_session.h; the
// recursive operations and multi(): zookeeper_metadata_store_ops.cc.
#include "cluster/zookeeper_metadata_store.h"

#include <algorithm>
#include <utility>

#include "cluster/znode_path.h"
#include "cluster/zookeeper_session.h"

namespace gregor::cluster {

using metadata_internal::valid_path;
using ZkStat = ::Stat;  // the C client's, not MetadataStore's
using zookeeper_internal::Session;

namespace {

Stat stat_of(const ZkStat& s) {
  return {s.version,
          s.cversion,
          s.ctime,
          s.mtime,
          s.ephemeralOwner != 0,
          s.numChildren,
          s.dataLength < 0 ? 0 : s.dataLength};
}

// Reads a node's data into `data`, growing the buffer when the first read was cut short (the C
// client copies at most the buffer's size and reports the full length in the Stat).
int read_data(zhandle_t* zh, const std::string& path, Session::Armed armed, std::string& data,
              ZkStat& stat) {
  data.resize(16 << 10);
  int length = static_cast<int>(data.size());
  int rc = zoo_wget(zh, path.c_str(), armed.fn, armed.context, data.data(), &length, &stat);
  // The watch, if any, is set by the first read; later reads only fetch the rest.
  for (int attempt = 0; rc == ZOK && stat.dataLength > static_cast<int>(data.size()); ++attempt) {
    if (attempt == 8) return ZCONNECTIONLOSS;  // rewritten faster than we can read it
    data.resize(stat.dataLength);
    length = static_cast<int>(data.size());
    rc = zoo_get(zh, path.c_str(), 0, data.data(), &length, &stat);
  }
  data.resize(rc == ZOK && length > 0 ? length : 0);
  return rc;
}

}  // namespace

std::unique_ptr<ZooKeeperMetadataStore> ZooKeeperMetadataStore::connect(const Options& options,
                                                                        std::string& error) {
  std::unique_ptr<ZooKeeperMetadataStore> store(new ZooKeeperMetadataStore(options));
  if (!options.chroot.empty()) {
    Options root = options;
    root.chroot.clear();
    std::unique_ptr<ZooKeeperMetadataStore> unrooted(new ZooKeeperMetadataStore(root));
    if (!unrooted->reconnect(error)) return nullptr;
    StoreError e = unrooted->create_recursive(options.chroot, "");
    if (e != StoreError::kOk && e != StoreError::kNodeExists) {
      error =
          "cannot create the chroot " + options.chroot + ": " + std::string(store_error_name(e));
      return nullptr;
    }
  }
  if (!store->reconnect(error)) return nullptr;
  return store;
}

ZooKeeperMetadataStore::ZooKeeperMetadataStore(Options options)
    : options_(std::move(options)), listener_(std::make_shared<ExpiryListener>()) {}

ZooKeeperMetadataStore::~ZooKeeperMetadataStore() = default;

void ZooKeeperMetadataStore::ExpiryListener::tell() {
  std::function<void()> copy;
  {
    std::lock_guard lock(mu);
    copy = listener;
  }
  if (copy) copy();  // outside the lock: it may set another listener
}

std::shared_ptr<Session> ZooKeeperMetadataStore::session() const {
  std::lock_guard lock(mu_);
  return session_;
}

void ZooKeeperMetadataStore::set_session_expired_listener(std::function<void()> listener) {
  std::lock_guard lock(listener_->mu);
  listener_->listener = std::move(listener);
}

bool ZooKeeperMetadataStore::reconnect(std::string& error) {
  Session::Params params;
  params.connect = options_.hosts + options_.chroot;
  params.session_timeout_ms = options_.session_timeout_ms;
  params.connection_timeout_ms = options_.connection_timeout_ms < 0
                                     ? options_.session_timeout_ms
                                     : options_.connection_timeout_ms;
  // The session tells whichever listener is registered when it expires. It holds the slot, not
  // the store: a session can outlive the store by the length of a watcher's call.
  params.on_expired = [slot = listener_] { slot->tell(); };
  std::shared_ptr<Session> fresh = Session::open(std::move(params), error);
  if (!fresh) return false;
  std::shared_ptr<Session> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(session_, std::move(fresh));
  }
  return true;  // `old` closes here, outside the lock
}

StoreError ZooKeeperMetadataStore::expire_session() {
  std::shared_ptr<Session> ended;
  {
    std::lock_guard lock(mu_);
    ended = std::move(session_);  // calls see no session: kSessionExpired
  }
  if (!ended || ended->expired()) return StoreError::kSessionExpired;
  ended.reset();  // closes it: the ensemble removes its ephemeral nodes before answering
  listener_->tell();
  return StoreError::kOk;
}

void ZooKeeperMetadataStore::wait_for_watchers() {
  if (auto s = session()) s->wait_for_watchers();
}

StoreError ZooKeeperMetadataStore::create(const std::string& path, std::string data,
                                          CreateMode mode, std::string* created_path) {
  StoreError checked = check_arguments(StoreOp::Kind::kCreate, path, data.size(), mode);
  if (checked != StoreError::kOk) return checked;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  std::string made(path.size() + 16, '\0');  // room for the 10-digit sequence suffix
  int rc = zoo_create(s->handle(), path.c_str(), data.data(), static_cast<int>(data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, zookeeper_internal::create_flags(mode), made.data(),
                      static_cast<int>(made.size()));
  if (rc == ZOK && created_path) *created_path = made.c_str();
  return s->error_of(rc, "create");
}

StoreError ZooKeeperMetadataStore::create_recursive(const std::string& path, std::string data) {
  if (!valid_path(path) || data.size() > kMaxDataBytes) return StoreError::kBadArguments;
  StoreError e = create(path, data, CreateMode::kPersistent);
  if (e != StoreError::kNoNode) return e;
  // Like Kafka's createRecursive: make the missing ancestors, then try again.
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    e = create(path.substr(0, slash), "", CreateMode::kPersistent);
    if (e != StoreError::kOk && e != StoreError::kNodeExists) return e;
  }
  return create(path, std::move(data), CreateMode::kPersistent);
}

StoreError ZooKeeperMetadataStore::get(const std::string& path, std::string& data, Stat* stat,
                                       Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  Session::Armed armed = s->arm(std::move(watch));
  ZkStat zstat{};
  std::string read;
  int rc = read_data(s->handle(), path, armed, read, zstat);
  if (rc != ZOK) {
    s->disarm(armed);  // a failed read sets no watch
    return s->error_of(rc, "get");
  }
  data = std::move(read);
  if (stat) *stat = stat_of(zstat);
  return StoreError::kOk;
}

StoreError ZooKeeperMetadataStore::set(const std::string& path, std::string data,
                                       int32_t expected_version, Stat* stat) {
  StoreError checked = check_arguments(StoreOp::Kind::kSet, path, data.size());
  if (checked != StoreError::kOk) return checked;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  ZkStat zstat{};
  int rc = zoo_set2(s->handle(), path.c_str(), data.data(), static_cast<int>(data.size()),
                    expected_version, &zstat);
  if (rc == ZOK && stat) *stat = stat_of(zstat);
  return s->error_of(rc, "set");
}

StoreError ZooKeeperMetadataStore::remove(const std::string& path, int32_t expected_version) {
  StoreError checked = check_arguments(StoreOp::Kind::kRemove, path, 0);
  if (checked != StoreError::kOk) return checked;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  return s->error_of(zoo_delete(s->handle(), path.c_str(), expected_version), "delete");
}

StoreError ZooKeeperMetadataStore::exists(const std::string& path, Stat* stat, Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  Session::Armed armed = s->arm(std::move(watch));
  ZkStat zstat{};
  int rc = zoo_wexists(s->handle(), path.c_str(), armed.fn, armed.context, &zstat);
  if (rc != ZOK && rc != ZNONODE) s->disarm(armed);  // exists watches missing nodes too
  if (rc == ZOK && stat) *stat = stat_of(zstat);
  return s->error_of(rc, "exists");
}

StoreError ZooKeeperMetadataStore::children(const std::string& path,
                                            std::vector<std::string>& names, Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  auto s = session();
  if (!s) return StoreError::kSessionExpired;
  Session::Armed armed = s->arm(std::move(watch));
  String_vector strings{};
  int rc = zoo_wget_children(s->handle(), path.c_str(), armed.fn, armed.context, &strings);
  if (rc != ZOK) {
    s->disarm(armed);
    return s->error_of(rc, "get children");
  }
  names.assign(strings.data, strings.data + strings.count);
  deallocate_String_vector(&strings);
  std::sort(names.begin(), names.end());
  return StoreError::kOk;
}

}  // namespace gregor::cluster
