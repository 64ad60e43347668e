#include "cluster/metadata_ops.h"

#include <chrono>
#include <cstdio>
#include <utility>

namespace gregor::cluster::metadata_internal {
namespace {

void take_watches(WatchTable& table, const std::string& path, WatchEvent event,
                  std::vector<FiredWatch>& fired) {
  auto it = table.find(path);
  if (it == table.end()) return;
  for (Watcher& w : it->second)
    fired.push_back({std::move(w), event, path});
  table.erase(it);
}

}  // namespace

StoreError apply_op(Tree& tree, const StoreOp& op, int64_t now, Txn& txn,
                    std::string* created_path) {
  Mutation m{Mutation::Kind::kSet, op.path, {}, false, now};
  if (op.kind == StoreOp::Kind::kCreate || op.kind == StoreOp::Kind::kSet) {
    if (op.data.size() > kMaxDataBytes) return StoreError::kBadArguments;
  }
  if (op.kind == StoreOp::Kind::kCreate && is_sequential(op.mode)) {
    if (!valid_path(op.path + "0000000000")) return StoreError::kBadArguments;
    auto parent = tree.find(parent_of(op.path + "0"));
    if (parent == tree.end()) return StoreError::kNoNode;
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%010d", parent->second.cversion);
    m.path += suffix;
  } else if (!valid_path(op.path)) {
    return StoreError::kBadArguments;
  }
  if (op.kind != StoreOp::Kind::kCreate) {
    auto it = tree.find(m.path);
    if (op.kind == StoreOp::Kind::kRemove && m.path == "/") return StoreError::kBadArguments;
    if (it == tree.end()) return StoreError::kNoNode;
    if (op.version != -1 && it->second.version != op.version) return StoreError::kBadVersion;
    if (op.kind == StoreOp::Kind::kCheck) return StoreError::kOk;
  }
  switch (op.kind) {
    case StoreOp::Kind::kCreate:
      m.kind = Mutation::Kind::kCreate;
      m.ephemeral = is_ephemeral(op.mode);
      m.data = op.data;
      break;
    case StoreOp::Kind::kSet:
      m.data = op.data;
      break;
    case StoreOp::Kind::kRemove:
      m.kind = Mutation::Kind::kRemove;
      break;
    case StoreOp::Kind::kCheck:
      break;
  }
  if (StoreError e = check_mutation(tree, m); e != StoreError::kOk) return e;
  txn.undo.emplace_back();
  apply_mutation(tree, m, &txn.undo.back());
  if (created_path) *created_path = m.path;
  txn.mutations.push_back(std::move(m));
  return StoreError::kOk;
}

void rollback(Tree& tree, Txn& txn) {
  for (size_t i = txn.mutations.size(); i-- > 0;) {
    undo_mutation(tree, txn.mutations[i], std::move(txn.undo[i]));
  }
  txn = {};
}

std::vector<std::string> subtree_post_order(const Tree& tree, const std::string& path) {
  std::vector<std::string> order;
  std::vector<std::pair<std::string, bool>> stack{{path, false}};
  while (!stack.empty()) {
    auto [node, expanded] = std::move(stack.back());
    stack.pop_back();
    if (expanded) {
      order.push_back(std::move(node));
      continue;
    }
    stack.emplace_back(node, true);
    for (const std::string& child : tree.at(node).children) {
      stack.emplace_back(node + "/" + child, false);
    }
  }
  return order;
}

void take_triggered_watches(const std::vector<Mutation>& mutations, WatchTable& data_watches,
                            WatchTable& child_watches, std::vector<FiredWatch>& fired) {
  for (const Mutation& m : mutations) {
    switch (m.kind) {
      case Mutation::Kind::kCreate:
        take_watches(data_watches, m.path, WatchEvent::kCreated, fired);
        take_watches(child_watches, parent_of(m.path), WatchEvent::kChildrenChanged, fired);
        break;
      case Mutation::Kind::kSet:
        take_watches(data_watches, m.path, WatchEvent::kDataChanged, fired);
        break;
      case Mutation::Kind::kRemove:
        take_watches(data_watches, m.path, WatchEvent::kDeleted, fired);
        take_watches(child_watches, m.path, WatchEvent::kDeleted, fired);
        take_watches(child_watches, parent_of(m.path), WatchEvent::kChildrenChanged, fired);
        break;
    }
  }
}

}  // namespace gregor::cluster::metadata_internal
