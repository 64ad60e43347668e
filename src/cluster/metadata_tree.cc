// The znode tree: path rules and the check, apply and undo of resolved mutations.
#include "cluster/metadata_tree.h"

#include <algorithm>
#include <utility>

namespace gregor::cluster::metadata_internal {
namespace {

// Versions wrap like ZooKeeper's 32-bit counters, without signed-overflow UB.
int32_t plus(int32_t v, int32_t d) {
  return static_cast<int32_t>(static_cast<uint32_t>(v) + static_cast<uint32_t>(d));
}

}  // namespace

Stat stat_of(const Node& node) {
  return {node.version,
          node.cversion,
          node.ctime_ms,
          node.mtime_ms,
          node.ephemeral,
          static_cast<int32_t>(node.children.size()),
          static_cast<int32_t>(node.data.size())};
}

StoreError check_mutation(const Tree& tree, const Mutation& m) {
  if (m.kind == Mutation::Kind::kCreate) {
    if (m.path == "/") return StoreError::kNodeExists;
    auto parent = tree.find(parent_of(m.path));
    if (parent == tree.end()) return StoreError::kNoNode;
    if (parent->second.ephemeral) return StoreError::kNoChildrenForEphemerals;
    return tree.contains(m.path) ? StoreError::kNodeExists : StoreError::kOk;
  }
  if (m.kind == Mutation::Kind::kRemove && m.path == "/") return StoreError::kBadArguments;
  auto node = tree.find(m.path);
  if (node == tree.end()) return StoreError::kNoNode;
  if (m.kind == Mutation::Kind::kRemove && !node->second.children.empty()) {
    return StoreError::kNotEmpty;
  }
  return StoreError::kOk;
}

void apply_mutation(Tree& tree, const Mutation& m, Node* undo) {
  switch (m.kind) {
    case Mutation::Kind::kCreate: {
      Node node{m.data, 0, 0, m.time_ms, m.time_ms, m.ephemeral, {}};
      tree.emplace(m.path, std::move(node));
      Node& parent = tree.at(parent_of(m.path));
      parent.children.insert(name_of(m.path));
      parent.cversion = plus(parent.cversion, 1);
      break;
    }
    case Mutation::Kind::kSet: {
      Node& node = tree.at(m.path);
      if (undo) {
        undo->data = std::move(node.data);
        undo->version = node.version;
        undo->mtime_ms = node.mtime_ms;
      }
      node.data = m.data;
      node.version = plus(node.version, 1);
      node.mtime_ms = m.time_ms;
      break;
    }
    case Mutation::Kind::kRemove: {
      auto it = tree.find(m.path);
      if (undo) *undo = std::move(it->second);
      tree.erase(it);
      Node& parent = tree.at(parent_of(m.path));
      parent.children.erase(name_of(m.path));
      parent.cversion = plus(parent.cversion, 1);
      break;
    }
  }
}

void undo_mutation(Tree& tree, const Mutation& m, Node&& undo) {
  switch (m.kind) {
    case Mutation::Kind::kCreate: {
      tree.erase(m.path);
      Node& parent = tree.at(parent_of(m.path));
      parent.children.erase(name_of(m.path));
      parent.cversion = plus(parent.cversion, -1);
      break;
    }
    case Mutation::Kind::kSet: {
      Node& node = tree.at(m.path);
      node.data = std::move(undo.data);
      node.version = undo.version;
      node.mtime_ms = undo.mtime_ms;
      break;
    }
    case Mutation::Kind::kRemove: {
      tree.emplace(m.path, std::move(undo));
      Node& parent = tree.at(parent_of(m.path));
      parent.children.insert(name_of(m.path));
      parent.cversion = plus(parent.cversion, -1);
      break;
    }
  }
}

}  // namespace gregor::cluster::metadata_internal
