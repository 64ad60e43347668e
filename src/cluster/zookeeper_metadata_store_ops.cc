// ZooKeeperMetadataStore: the calls made of several requests (remove_recursive), multi(), and
// the parsing of `zookeeper.connect`.
#include <zookeeper/zookeeper.h>

#include "cluster/znode_path.h"
#include "cluster/zookeeper_metadata_store.h"
#include "cluster/zookeeper_session.h"

namespace gregor::cluster {

using metadata_internal::valid_path;
using ZkStat = ::Stat;  // the C client's, not MetadataStore's

namespace {

// Deletes per multi request: far below ZooKeeper's 1 MiB request limit for any sane path.
constexpr size_t kRemoveBatch = 500;
// Fresh walks of the subtree when concurrent changes made a batch fail.
constexpr int kRemoveAttempts = 5;

// Ops before `failed` are reported kOk (nothing was applied), those after it not tried.
void report_failure(std::vector<OpResult>* results, size_t failed, StoreError error) {
  if (!results) return;
  for (size_t i = failed + 1; i < results->size(); ++i)
    (*results)[i].error = StoreError::kRuntimeInconsistency;
  (*results)[failed].error = error;
}

}  // namespace

StoreError ZooKeeperMetadataStore::check_arguments(StoreOp::Kind kind, const std::string& path,
                                                   size_t data_size, CreateMode mode) {
  bool sequential = kind == StoreOp::Kind::kCreate && is_sequential(mode);
  if (!valid_path(sequential ? path + "0" : path)) return StoreError::kBadArguments;
  if (data_size > kMaxDataBytes) return StoreError::kBadArguments;
  if (kind == StoreOp::Kind::kRemove && path == "/") return StoreError::kBadArguments;
  if (kind == StoreOp::Kind::kCreate && !sequential && path == "/") return StoreError::kNodeExists;
  return StoreError::kOk;
}

StoreError ZooKeeperMetadataStore::remove_recursive(const std::string& path) {
  if (!valid_path(path) || path == "/") return StoreError::kBadArguments;
  if (StoreError e = exists(path); e != StoreError::kOk) return e;
  for (int attempt = 0; attempt < kRemoveAttempts; ++attempt) {
    StoreError e = remove_subtree(path);
    if (e != StoreError::kNoNode && e != StoreError::kNotEmpty) return e;
    // The tree changed under the walk; done if someone else removed it all.
    if (exists(path) == StoreError::kNoNode) return StoreError::kOk;
  }
  return StoreError::kNotEmpty;  // children keep appearing faster than they are removed
}

// One walk of the subtree under `path` and its removal, deepest nodes first, in multi batches.
// kNoNode or kNotEmpty when the tree changed meanwhile (the caller walks again).
StoreError ZooKeeperMetadataStore::remove_subtree(const std::string& path) {
  std::vector<std::string> order;  // parents before children; removed back to front
  std::vector<std::string> pending{path};
  while (!pending.empty()) {
    std::string node = std::move(pending.back());
    pending.pop_back();
    std::vector<std::string> names;
    StoreError e = children(node, names);
    if (e == StoreError::kNoNode && node != path) continue;  // removed meanwhile
    if (e != StoreError::kOk) return e;
    for (const std::string& name : names)
      pending.push_back(node + "/" + name);
    order.push_back(std::move(node));
  }
  std::vector<StoreOp> batch;
  for (size_t i = order.size(); i-- > 0;) {
    batch.push_back(StoreOp::remove(order[i]));
    if (batch.size() == kRemoveBatch || i == 0) {
      if (StoreError e = multi(batch); e != StoreError::kOk) return e;
      batch.clear();
    }
  }
  return StoreError::kOk;
}

StoreError ZooKeeperMetadataStore::multi(const std::vector<StoreOp>& ops,
                                         std::vector<OpResult>* results) {
  if (results) results->assign(ops.size(), OpResult{});
  for (size_t i = 0; i < ops.size(); ++i) {
    const StoreOp& op = ops[i];
    if (StoreError e = check_arguments(op.kind, op.path, op.data.size(), op.mode);
        e != StoreError::kOk) {
      report_failure(results, i, e);
      return e;
    }
  }
  if (ops.empty()) return StoreError::kOk;
  auto s = session();
  // The C client (3.8) frees a multi request twice when the handle is already expired: never
  // hand it one. An expiry landing between this check and the call stays a (tiny) window.
  if (!s || zoo_state(s->handle()) == ZOO_EXPIRED_SESSION_STATE) {
    if (results) results->assign(ops.size(), OpResult{StoreError::kSessionExpired, ""});
    return StoreError::kSessionExpired;
  }

  std::vector<zoo_op_t> zops(ops.size());
  std::vector<zoo_op_result_t> zresults(ops.size());
  std::vector<ZkStat> stats(ops.size());
  std::vector<std::string> made(ops.size());  // create: the path made, sequence suffix included
  for (size_t i = 0; i < ops.size(); ++i) {
    const StoreOp& op = ops[i];
    const int data_size = static_cast<int>(op.data.size());
    switch (op.kind) {
      case StoreOp::Kind::kCreate: {
        made[i].assign(op.path.size() + 16, '\0');
        zoo_create_op_init(&zops[i], op.path.c_str(), op.data.data(), data_size,
                           &ZOO_OPEN_ACL_UNSAFE, zookeeper_internal::create_flags(op.mode),
                           made[i].data(), static_cast<int>(made[i].size()));
        break;
      }
      case StoreOp::Kind::kSet:
        zoo_set_op_init(&zops[i], op.path.c_str(), op.data.data(), data_size, op.version,
                        &stats[i]);
        break;
      case StoreOp::Kind::kRemove:
        zoo_delete_op_init(&zops[i], op.path.c_str(), op.version);
        break;
      case StoreOp::Kind::kCheck:
        zoo_check_op_init(&zops[i], op.path.c_str(), op.version);
        break;
    }
  }
  int rc = zoo_multi(s->handle(), static_cast<int>(zops.size()), zops.data(), zresults.data());
  StoreError error = s->error_of(rc, "multi");
  if (!results) return error;
  bool per_op = error != StoreError::kConnectionLoss && error != StoreError::kSessionExpired &&
                error != StoreError::kIoError;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!per_op) {
      (*results)[i].error = error;  // the request as a whole failed: outcome unknown
      continue;
    }
    (*results)[i].error = s->error_of(zresults[i].err, "multi op");
    if (rc == ZOK && ops[i].kind == StoreOp::Kind::kCreate) {
      (*results)[i].created_path = made[i].c_str();
    }
  }
  return error;
}

bool parse_zookeeper_connect(const std::string& connect, ZooKeeperMetadataStore::Options& options,
                             std::string& error) {
  const size_t slash = connect.find('/');
  std::string hosts = connect.substr(0, slash);
  std::string chroot = slash == std::string::npos ? "" : connect.substr(slash);
  if (hosts.empty()) {
    error = "no ZooKeeper server named";
    return false;
  }
  std::string normalised;
  for (size_t start = 0; start <= hosts.size();) {
    size_t end = std::min(hosts.find(',', start), hosts.size());
    std::string host = hosts.substr(start, end - start);
    if (host.empty() || host.front() == ':') {
      error = "empty host in the server list";
      return false;
    }
    if (host.find(':') == std::string::npos) host += ":2181";  // ZooKeeper's default port
    normalised += (normalised.empty() ? "" : ",") + host;
    start = end + 1;
  }
  if (chroot == "/") chroot.clear();
  if (!chroot.empty() && !valid_path(chroot)) {
    error = "invalid chroot path '" + chroot + "'";
    return false;
  }
  options.hosts = std::move(normalised);
  options.chroot = std::move(chroot);
  return true;
}

}  // namespace gregor::cluster
