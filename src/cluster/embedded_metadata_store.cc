// EmbeddedMetadataStore: the State behind the public methods (locking, journaling each call,
// compaction, recovery, firing watches). The tree is in metadata_tree.h, the files in
// metadata_journal.h; layout, write protocol and the crash-safety argument:
// docs/formats/metadata-store.md.
#include "cluster/embedded_metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

#include <spdlog/spdlog.h>

#include "cluster/metadata_journal.h"
#include "cluster/metadata_ops.h"
#include "cluster/metadata_tree.h"
#include "common/clock.h"

namespace gregor::cluster {

using namespace metadata_internal;  // the folder-private tree and journal

// ---- State ----------------------------------------------------------------------------------

struct EmbeddedMetadataStore::State {
  std::string meta_dir;  // <dir>/__metadata
  Options options;
  Env* env = nullptr;  // options.env, or the real file system

  std::mutex mu;  // guards everything below
  Tree tree;
  WatchTable data_watches;   // set by get, and by exists (also on missing nodes)
  WatchTable child_watches;  // set by children
  int journal_fd = -1;
  uint64_t generation = 0;  // the snapshot names journal-<generation> as its continuation
  uint64_t journal_bytes = 0;
  bool failed = false;  // a journal write failed: mutations refused until reopened

  ~State() {
    if (journal_fd >= 0) env->close(journal_fd);
  }

  std::string file(const std::string& name) const { return meta_dir + "/" + name; }

  StoreError apply_op(const StoreOp& op, int64_t now, Txn& txn, std::string* created_path) {
    return metadata_internal::apply_op(tree, op, now, txn, created_path);
  }
  void rollback(Txn& txn) { metadata_internal::rollback(tree, txn); }

  // Makes `txn` durable (or rolls it back), collects the watches it triggers, compacts if due,
  // then releases `lock` and runs the watchers on this thread.
  StoreError finish(std::unique_lock<std::mutex>& lock, Txn& txn) {
    if (txn.mutations.empty()) return StoreError::kOk;
    if (failed) {
      rollback(txn);
      return StoreError::kIoError;
    }
    std::string record = encode_record(txn.mutations);
    if (record.empty()) {  // over kMaxRecordPayload
      rollback(txn);
      return StoreError::kBadArguments;
    }
    if (!write_fully(*env, journal_fd, record) || env->fdatasync(journal_fd) != 0) {
      spdlog::error("metadata store: journal write failed ({}); refusing further changes",
                    std::strerror(errno));
      failed = true;
      if (env->ftruncate(journal_fd, static_cast<off_t>(journal_bytes)) == 0) {
        env->fdatasync(journal_fd);
      }
      rollback(txn);
      return StoreError::kIoError;
    }
    journal_bytes += record.size();

    std::vector<FiredWatch> fired;
    take_triggered_watches(txn.mutations, data_watches, child_watches, fired);
    txn = {};
    if (journal_bytes >= options.compact_journal_bytes) {
      std::string error;
      if (!compact(error)) spdlog::warn("metadata store: compaction failed: {}", error);
    }
    lock.unlock();
    for (FiredWatch& f : fired)
      f.watcher(f.event, f.path);
    return StoreError::kOk;
  }

  // Writes the tree as the snapshot of generation+1, followed by a new empty journal. Crash-safe
  // at every step (see the format doc): the rename of the snapshot is the commit point.
  bool compact(std::string& error) {
    uint64_t next = generation + 1;
    std::string next_journal = file(journal_name(next));
    int fd = env->open(next_journal, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || env->fsync(fd) != 0 || !sync_dir(*env, meta_dir) ||
        !write_and_rename(*env, file(kSnapshotTmpName), file(kSnapshotName),
                          encode_snapshot(tree, next))) {
      error = std::string("cannot write snapshot: ") + std::strerror(errno);
      if (fd >= 0) env->close(fd);
      env->unlink(next_journal);
      return false;
    }
    if (!sync_dir(*env, meta_dir)) {
      // The directory may hold either snapshot after a crash: appends to either journal could
      // be lost, so stop accepting changes.
      error = std::string("cannot fsync metadata directory: ") + std::strerror(errno);
      failed = true;
      env->close(fd);
      return false;
    }
    if (journal_fd >= 0) env->close(journal_fd);
    env->unlink(file(journal_name(generation)));
    journal_fd = fd;
    generation = next;
    journal_bytes = 0;
    return true;
  }

  // Loads snapshot and journal, drops ephemeral nodes, compacts and removes stale files.
  bool recover(std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(meta_dir, ec);
    if (ec || !sync_dir(*env, meta_dir + "/..")) {
      error = "cannot create " + meta_dir + ": " + (ec ? ec.message() : std::strerror(errno));
      return false;
    }
    std::string bytes;
    bool found = false;
    if (!read_file(*env, file(kSnapshotName), bytes, found)) {
      error = "cannot read " + file(kSnapshotName) + ": " + std::strerror(errno);
      return false;
    }
    if (!found) {
      // Only the first open has no snapshot; journals with records mean the snapshot was lost.
      if (std::string journal = nonempty_journal(); !journal.empty()) {
        error = "snapshot " + file(kSnapshotName) + " is missing but " + journal +
                " has records; refusing to start empty";
        return false;
      }
      tree.clear();
      tree.emplace("/", Node{});
    } else if (!decode_snapshot(bytes, tree, generation)) {
      error = "corrupt snapshot " + file(kSnapshotName);
      return false;
    }
    std::string journal = file(journal_name(generation));
    bool keep_journal = false;
    if (!replay_journal(*env, journal, tree, keep_journal, error)) return false;
    if (keep_journal && ::link(journal.c_str(), (journal + ".corrupt").c_str()) == 0) {
      spdlog::error("metadata store: kept the damaged journal as {}.corrupt", journal);
    }

    std::vector<std::string> ephemerals;
    for (const auto& [path, node] : tree) {
      if (node.ephemeral) ephemerals.push_back(path);
    }
    for (const std::string& path : ephemerals) {
      apply_mutation(tree, {Mutation::Kind::kRemove, path, {}, false, 0}, nullptr);
    }
    if (!compact(error)) return false;
    namespace fs = std::filesystem;
    for (fs::directory_iterator it(meta_dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kJournalPrefix) && !name.ends_with(".corrupt") &&
          name != journal_name(generation)) {
        env->unlink(it->path().string());  // left by a crash mid-compaction
      }
    }
    return true;
  }

  // The name of a non-empty journal file, or "".
  std::string nonempty_journal() const {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::directory_iterator it(meta_dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kJournalPrefix) && fs::file_size(it->path(), ec) > 0 && !ec) {
        return it->path().string();
      }
    }
    return "";
  }
};

// ---- EmbeddedMetadataStore ------------------------------------------------------------------

std::unique_ptr<EmbeddedMetadataStore> EmbeddedMetadataStore::open(const std::string& dir,
                                                                   std::string& error) {
  return open(dir, Options{}, error);
}

std::unique_ptr<EmbeddedMetadataStore> EmbeddedMetadataStore::open(const std::string& dir,
                                                                   const Options& options,
                                                                   std::string& error) {
  auto state = std::make_unique<State>();
  state->meta_dir = dir + "/__metadata";
  state->options = options;
  state->env = options.env != nullptr ? options.env : &Env::posix();
  if (!state->recover(error)) return nullptr;
  return std::unique_ptr<EmbeddedMetadataStore>(new EmbeddedMetadataStore(std::move(state)));
}

EmbeddedMetadataStore::EmbeddedMetadataStore(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

EmbeddedMetadataStore::~EmbeddedMetadataStore() = default;

StoreError EmbeddedMetadataStore::create(const std::string& path, std::string data, CreateMode mode,
                                         std::string* created_path) {
  std::unique_lock lock(state_->mu);
  Txn txn;
  StoreError e = state_->apply_op(StoreOp::create(path, std::move(data), mode), wall_clock_ms(),
                                  txn, created_path);
  return e == StoreError::kOk ? state_->finish(lock, txn) : e;
}

StoreError EmbeddedMetadataStore::create_recursive(const std::string& path, std::string data) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  std::unique_lock lock(state_->mu);
  Txn txn;
  int64_t now = wall_clock_ms();
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string ancestor = path.substr(0, slash);
    if (state_->tree.contains(ancestor)) continue;
    StoreError e = state_->apply_op(StoreOp::create(ancestor, ""), now, txn, nullptr);
    if (e != StoreError::kOk) return state_->rollback(txn), e;
  }
  StoreError e = state_->apply_op(StoreOp::create(path, std::move(data)), now, txn, nullptr);
  if (e != StoreError::kOk) return state_->rollback(txn), e;
  return state_->finish(lock, txn);
}

StoreError EmbeddedMetadataStore::get(const std::string& path, std::string& data, Stat* stat,
                                      Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  std::lock_guard lock(state_->mu);
  auto it = state_->tree.find(path);
  if (it == state_->tree.end()) return StoreError::kNoNode;
  data = it->second.data;
  if (stat) *stat = stat_of(it->second);
  if (watch) state_->data_watches[path].push_back(std::move(watch));
  return StoreError::kOk;
}

StoreError EmbeddedMetadataStore::set(const std::string& path, std::string data,
                                      int32_t expected_version, Stat* stat) {
  std::unique_lock lock(state_->mu);
  Txn txn;
  StoreError e = state_->apply_op(StoreOp::set(path, std::move(data), expected_version),
                                  wall_clock_ms(), txn, nullptr);
  if (e != StoreError::kOk) return e;
  Stat after = stat_of(state_->tree.at(path));
  e = state_->finish(lock, txn);
  if (e == StoreError::kOk && stat) *stat = after;
  return e;
}

StoreError EmbeddedMetadataStore::remove(const std::string& path, int32_t expected_version) {
  std::unique_lock lock(state_->mu);
  Txn txn;
  StoreError e =
      state_->apply_op(StoreOp::remove(path, expected_version), wall_clock_ms(), txn, nullptr);
  return e == StoreError::kOk ? state_->finish(lock, txn) : e;
}

StoreError EmbeddedMetadataStore::remove_recursive(const std::string& path) {
  if (!valid_path(path) || path == "/") return StoreError::kBadArguments;
  std::unique_lock lock(state_->mu);
  if (!state_->tree.contains(path)) return StoreError::kNoNode;
  // Children first, so every node is empty when removed.
  std::vector<std::string> order = subtree_post_order(state_->tree, path);
  Txn txn;
  int64_t now = wall_clock_ms();
  for (const std::string& node : order) {
    StoreError e = state_->apply_op(StoreOp::remove(node), now, txn, nullptr);
    if (e != StoreError::kOk) return state_->rollback(txn), e;
  }
  return state_->finish(lock, txn);
}

StoreError EmbeddedMetadataStore::exists(const std::string& path, Stat* stat, Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  std::lock_guard lock(state_->mu);
  if (watch) state_->data_watches[path].push_back(std::move(watch));
  auto it = state_->tree.find(path);
  if (it == state_->tree.end()) return StoreError::kNoNode;
  if (stat) *stat = stat_of(it->second);
  return StoreError::kOk;
}

StoreError EmbeddedMetadataStore::children(const std::string& path, std::vector<std::string>& names,
                                           Watcher watch) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  std::lock_guard lock(state_->mu);
  auto it = state_->tree.find(path);
  if (it == state_->tree.end()) return StoreError::kNoNode;
  names.assign(it->second.children.begin(), it->second.children.end());
  if (watch) state_->child_watches[path].push_back(std::move(watch));
  return StoreError::kOk;
}

StoreError EmbeddedMetadataStore::multi(const std::vector<StoreOp>& ops,
                                        std::vector<OpResult>* results) {
  if (results) results->assign(ops.size(), OpResult{});
  std::unique_lock lock(state_->mu);
  Txn txn;
  int64_t now = wall_clock_ms();
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string created;
    StoreError e = state_->apply_op(ops[i], now, txn, &created);
    if (results) (*results)[i] = {e, ops[i].kind == StoreOp::Kind::kCreate ? created : ""};
    if (e != StoreError::kOk) {
      state_->rollback(txn);
      if (results) {
        for (size_t j = i + 1; j < ops.size(); ++j) {
          (*results)[j].error = StoreError::kRuntimeInconsistency;
        }
      }
      return e;
    }
  }
  StoreError e = state_->finish(lock, txn);
  if (e != StoreError::kOk && results) {
    for (OpResult& r : *results)
      r = {e, ""};
  }
  return e;
}

StoreError EmbeddedMetadataStore::expire_session() {
  std::unique_lock lock(state_->mu);
  Txn txn;
  int64_t now = wall_clock_ms();
  std::vector<std::string> ephemerals;
  for (const auto& [path, node] : state_->tree) {
    if (node.ephemeral) ephemerals.push_back(path);
  }
  for (const std::string& path : ephemerals) {
    StoreError e = state_->apply_op(StoreOp::remove(path), now, txn, nullptr);
    if (e != StoreError::kOk) return state_->rollback(txn), e;
  }
  return state_->finish(lock, txn);
}

uint64_t EmbeddedMetadataStore::journal_bytes() const {
  std::lock_guard lock(state_->mu);
  return state_->journal_bytes;
}

}  // namespace gregor::cluster
