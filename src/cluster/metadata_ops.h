// The store calls expressed on a metadata_tree.h Tree, shared by every in-process backend
// (EmbeddedMetadataStore, and the multi-session test cluster): validating and applying a
// StoreOp as one step of a transaction, rolling the transaction back, and finding the watches
// its mutations trigger. Private to src/cluster. Not thread-safe; callers hold their lock.
//
//   Txn txn;
//   for (const StoreOp& op : ops) {
//     if (apply_op(tree, op, now, txn, nullptr) != StoreError::kOk) return rollback(tree, txn);
//   }
//   std::vector<FiredWatch> fired;
//   take_triggered_watches(txn.mutations, data_watches, child_watches, fired);
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/metadata_store.h"
#include "cluster/metadata_tree.h"

namespace gregor::cluster::metadata_internal {

// The mutations one call has applied so far, and what undoes each (same index).
struct Txn {
  std::vector<Mutation> mutations;
  std::vector<Node> undo;
};

// Validates `op` against the tree as changed by the ops before it, and applies it. On error
// nothing of `op` is applied (earlier ops stay in `txn` for the caller to roll back).
StoreError apply_op(Tree& tree, const StoreOp& op, int64_t now_ms, Txn& txn,
                    std::string* created_path);

// Undoes every mutation of `txn`, newest first, and empties it.
void rollback(Tree& tree, Txn& txn);

// `path` and every node below it, children before their parent (the order to remove them in).
std::vector<std::string> subtree_post_order(const Tree& tree, const std::string& path);

using WatchTable = std::unordered_map<std::string, std::vector<Watcher>>;

struct FiredWatch {
  Watcher watcher;
  WatchEvent event;
  std::string path;
};

// Moves the watches that `mutations` trigger out of the tables into `fired`: data watches (set
// by get and exists) and child watches (set by children), with ZooKeeper's event for each.
void take_triggered_watches(const std::vector<Mutation>& mutations, WatchTable& data_watches,
                            WatchTable& child_watches, std::vector<FiredWatch>& fired);

}  // namespace gregor::cluster::metadata_internal
