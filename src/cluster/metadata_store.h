// MetadataStore: the small hierarchical store with ZooKeeper znode semantics that the controller
// and the brokers coordinate through (broker registration, topic assignments, partition state,
// controller election). Two backends implement it: EmbeddedMetadataStore (single broker, in
// process, persisted in the data directory) and ZooKeeperMetadataStore (a ZooKeeper ensemble,
// for clusters). Every method maps onto one ZooKeeper C API call (noted beside it) so the same
// controller code runs on both; metadata_store_contract_test.cc runs one suite against both.
//
//   std::string error;
//   auto store = EmbeddedMetadataStore::open("/var/lib/gregor", error);
//   store->create_recursive("/brokers/topics/orders", R"({"partitions":{"0":[1]}})");
//   std::string data;
//   Stat stat;
//   if (store->get("/brokers/topics/orders", data, &stat) == StoreError::kOk) {
//     store->set("/brokers/topics/orders", new_data, stat.version);  // compare-and-set
//   }
//   store->create("/controller", R"({"brokerid":1})", CreateMode::kEphemeral);
//   store->children("/brokers/ids", names, [](WatchEvent, const std::string&) { /* re-read */ });
//
// Paths are absolute and '/'-separated ("/brokers/ids/1"); "/" is the root, which always exists.
// A path must not end in '/', contain "//", "." or ".." components, or NUL bytes
// (kBadArguments otherwise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gregor::cluster {

// Results of store calls, named after ZooKeeper's ZOO_ERRORS.
enum class StoreError {
  kOk,
  kNoNode,                   // ZNONODE: the node (or, for create, its parent) does not exist
  kNodeExists,               // ZNODEEXISTS
  kBadVersion,               // ZBADVERSION: expected_version did not match
  kNotEmpty,                 // ZNOTEMPTY: remove of a node that has children
  kBadArguments,             // ZBADARGUMENTS: malformed path, data over kMaxDataBytes, ...
  kIoError,                  // embedded: journal write failed; change not applied, store read-only.
                             // ZooKeeper: an error with no better match (ZNOAUTH, ...), logged
  kConnectionLoss,           // ZCONNECTIONLOSS: outcome unknown (ZooKeeper backend only)
  kNoChildrenForEphemerals,  // ZNOCHILDRENFOREPHEMERALS: create under an ephemeral node
  kRuntimeInconsistency,     // ZRUNTIMEINCONSISTENCY: multi op after the failing one, not tried
  kSessionExpired,           // ZSESSIONEXPIRED: the session ended, its ephemeral nodes are gone
                             // (ZooKeeper backend only, until a new session is opened)
};

// "NO_NODE", "BAD_VERSION", ...: for logs and messages.
inline std::string_view store_error_name(StoreError error);

// Largest node data accepted (ZooKeeper's default jute.maxbuffer is about this).
inline constexpr size_t kMaxDataBytes = 1 << 20;

// A node's metadata, a subset of ZooKeeper's Stat.
struct Stat {
  int32_t version = 0;   // data version: 0 at creation, +1 per set
  int32_t cversion = 0;  // child version: +1 per child created or removed
  int64_t ctime_ms = 0;  // creation time, ms since the Unix epoch
  int64_t mtime_ms = 0;  // last data change
  bool ephemeral = false;
  int32_t num_children = 0;
  int32_t data_length = 0;
};

enum class CreateMode { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

inline bool is_ephemeral(CreateMode mode) {
  return mode == CreateMode::kEphemeral || mode == CreateMode::kEphemeralSequential;
}
inline bool is_sequential(CreateMode mode) {
  return mode == CreateMode::kPersistentSequential || mode == CreateMode::kEphemeralSequential;
}

// What triggered a watch (ZOO_CREATED_EVENT, ZOO_DELETED_EVENT, ZOO_CHANGED_EVENT,
// ZOO_CHILD_EVENT). Which calls set which watches, as in ZooKeeper:
//   get / exists on an existing node:  kDataChanged (set), kDeleted (remove)
//   exists on a missing node:          kCreated
//   children:                          kChildrenChanged (child created/removed), kDeleted
enum class WatchEvent { kCreated, kDeleted, kDataChanged, kChildrenChanged };

// One-shot: called at most once, for the first matching change after it was set, with the path
// it was set on. It must not throw. Each registration fires separately (ZooKeeper would merge
// duplicate registrations of the same watcher object; std::function cannot be compared).
using Watcher = std::function<void(WatchEvent, const std::string& path)>;

// One operation of an atomic multi() (zoo_create_op_init, zoo_set_op_init, zoo_delete_op_init,
// zoo_check_op_init). Build with the factories.
struct StoreOp {
  enum class Kind { kCreate, kSet, kRemove, kCheck };
  Kind kind = Kind::kCheck;
  std::string path;
  std::string data;                           // create, set
  CreateMode mode = CreateMode::kPersistent;  // create
  int32_t version = -1;                       // set, remove, check; -1: any

  static StoreOp create(std::string path, std::string data,
                        CreateMode mode = CreateMode::kPersistent) {
    return {Kind::kCreate, std::move(path), std::move(data), mode, -1};
  }
  static StoreOp set(std::string path, std::string data, int32_t version = -1) {
    return {Kind::kSet, std::move(path), std::move(data), CreateMode::kPersistent, version};
  }
  static StoreOp remove(std::string path, int32_t version = -1) {
    return {Kind::kRemove, std::move(path), {}, CreateMode::kPersistent, version};
  }
  // Fails the multi unless `path` exists with data version `version` (-1: exists at all).
  static StoreOp check(std::string path, int32_t version) {
    return {Kind::kCheck, std::move(path), {}, CreateMode::kPersistent, version};
  }
};

// Per-op outcome of multi() (zoo_op_result_t).
struct OpResult {
  StoreError error = StoreError::kOk;
  std::string created_path;  // create: the path made, with any sequential suffix
};

// Thread-safe: any method may be called from any thread. Watchers run after the change is
// durable and never while the store holds an internal lock, so a watcher may call back into the
// store. Where they run differs: the embedded store runs them on the thread whose call made the
// change, before that call returns; the ZooKeeper store runs them, one at a time and in the order
// the server sent the events, on the client's event thread, so they may run after the call that
// caused them has returned. Implementations own their data until destroyed; watches still
// pending at destruction (or, on ZooKeeper, when the session expires) are dropped without
// firing.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // zoo_create. The parent must exist (kNoNode) and not be ephemeral (kNoChildrenForEphemerals).
  // Sequential modes append a 10-digit zero-padded counter to `path` ("/q/item-" becomes
  // "/q/item-0000000007") that never repeats under one parent: ZooKeeper counts the children
  // ever created there, the embedded store uses the parent's cversion (which also counts
  // removals). Rely on the order and uniqueness of the suffixes, not on their values.
  // `created_path` receives the path made. Ephemeral nodes live as long as the session (embedded:
  // this store object).
  virtual StoreError create(const std::string& path, std::string data, CreateMode mode,
                            std::string* created_path = nullptr) = 0;

  // Creates missing ancestors as persistent nodes with empty data, then `path` (persistent) with
  // `data`. kNodeExists if `path` itself exists (Kafka's createRecursive; client-side on ZK).
  virtual StoreError create_recursive(const std::string& path, std::string data) = 0;

  // zoo_wget. The watch is set only when the node exists.
  virtual StoreError get(const std::string& path, std::string& data, Stat* stat = nullptr,
                         Watcher watch = {}) = 0;

  // zoo_set2. expected_version -1 matches any version; on success `stat` holds the new Stat.
  virtual StoreError set(const std::string& path, std::string data, int32_t expected_version = -1,
                         Stat* stat = nullptr) = 0;

  // zoo_delete. kNotEmpty if the node has children; removing "/" is kBadArguments.
  virtual StoreError remove(const std::string& path, int32_t expected_version = -1) = 0;

  // Removes `path` and everything below it (ZKUtil.deleteRecursive; atomic in the embedded
  // store, best-effort batches on ZooKeeper). kNoNode if `path` does not exist.
  virtual StoreError remove_recursive(const std::string& path) = 0;

  // zoo_wexists. The watch is set whether or not the node exists, and also fires on creation.
  virtual StoreError exists(const std::string& path, Stat* stat = nullptr, Watcher watch = {}) = 0;

  // zoo_wget_children. `names` receives the child names (not paths), sorted. The watch is set
  // only when the node exists.
  virtual StoreError children(const std::string& path, std::vector<std::string>& names,
                              Watcher watch = {}) = 0;

  // zoo_multi: applies every op, in order, each seeing the effects of those before it, or none of
  // them. Returns kOk or the error of the first failing op. `results`, if given, gets one entry
  // per op: kOk for ops before the failure, the error for the failing op, kRuntimeInconsistency
  // for the ones after it. An empty `ops` succeeds.
  virtual StoreError multi(const std::vector<StoreOp>& ops,
                           std::vector<OpResult>* results = nullptr) = 0;
};

inline std::string_view store_error_name(StoreError error) {
  switch (error) {
    case StoreError::kOk:
      return "OK";
    case StoreError::kNoNode:
      return "NO_NODE";
    case StoreError::kNodeExists:
      return "NODE_EXISTS";
    case StoreError::kBadVersion:
      return "BAD_VERSION";
    case StoreError::kNotEmpty:
      return "NOT_EMPTY";
    case StoreError::kBadArguments:
      return "BAD_ARGUMENTS";
    case StoreError::kIoError:
      return "IO_ERROR";
    case StoreError::kConnectionLoss:
      return "CONNECTION_LOSS";
    case StoreError::kNoChildrenForEphemerals:
      return "NO_CHILDREN_FOR_EPHEMERALS";
    case StoreError::kRuntimeInconsistency:
      return "RUNTIME_INCONSISTENCY";
    case StoreError::kSessionExpired:
      return "SESSION_EXPIRED";
  }
  return "UNKNOWN";
}

}  // namespace gregor::cluster
