// The in-memory znode tree behind EmbeddedMetadataStore: nodes keyed by full path, ZooKeeper's
// path rules, and the resolved mutations (create, set, remove) that are checked, applied and
// undone here and journaled by metadata_journal.h. Private to src/cluster: only the embedded
// store and its journal include it. Not thread-safe; the store's mutex guards the tree.
//
//   Tree tree;
//   tree.emplace("/", Node{});
//   Mutation m{Mutation::Kind::kCreate, "/a", "data", false, now_ms};
//   if (check_mutation(tree, m) == StoreError::kOk) apply_mutation(tree, m, nullptr);
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "cluster/metadata_store.h"
#include "cluster/znode_path.h"

namespace gregor::cluster::metadata_internal {

struct Node {
  std::string data;
  int32_t version = 0;
  int32_t cversion = 0;
  int64_t ctime_ms = 0;
  int64_t mtime_ms = 0;
  bool ephemeral = false;
  std::set<std::string> children;  // names, sorted
};
using Tree = std::map<std::string, Node>;  // by full path; "/" is always present

// One resolved mutation, as journaled and replayed (sequential names already chosen).
struct Mutation {
  enum class Kind : uint8_t { kCreate = 1, kSet = 2, kRemove = 3 };
  Kind kind = Kind::kCreate;
  std::string path;
  std::string data;        // create, set
  bool ephemeral = false;  // create
  int64_t time_ms = 0;     // create: ctime and mtime; set: mtime
};

Stat stat_of(const Node& node);

// Whether `m` applies to `tree` (version checks are the caller's). Path is valid.
StoreError check_mutation(const Tree& tree, const Mutation& m);

// Applies a checked mutation. `undo`, if given, receives what undo_mutation() needs.
void apply_mutation(Tree& tree, const Mutation& m, Node* undo);

// Reverts `m`, given the `undo` that apply_mutation() filled. A call's mutations are undone in
// reverse order of application.
void undo_mutation(Tree& tree, const Mutation& m, Node&& undo);

}  // namespace gregor::cluster::metadata_internal
