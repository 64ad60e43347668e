// EmbeddedMetadataStore: the tree, its journal and snapshot. File layout, write protocol and
// the crash-safety argument: docs/formats/metadata-store.md.
#include "cluster/embedded_metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/crc32c.h"

namespace gregor::cluster {
namespace {

// ---- Files (names and layout: docs/formats/metadata-store.md) -------------------------------

constexpr std::string_view kSnapshotMagic = "GRGMETA1";
constexpr uint32_t kSnapshotFormat = 1;
constexpr const char* kSnapshotName = "snapshot";
constexpr const char* kSnapshotTmpName = "snapshot.tmp";
constexpr std::string_view kJournalPrefix = "journal-";
constexpr size_t kRecordHeaderBytes = 8;            // u32 payload length, u32 CRC32 of payload
constexpr uint64_t kMaxRecordPayload = 1ull << 30;  // one multi() may not journal more

std::string journal_name(uint64_t generation) {
  char name[48];
  std::snprintf(name, sizeof(name), "journal-%020llu", static_cast<unsigned long long>(generation));
  return name;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// CRC32C (Castagnoli), Gregor's in-tree hardware-accelerated CRC (common/crc32c.h).
uint32_t checksum(std::string_view bytes) {
  return crc32c(bytes.data(), bytes.size());
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Reads a whole file. Missing files are not an error: `found` tells.
bool read_file(const std::string& path, std::string& out, bool& found) {
  out.clear();
  found = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  found = true;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return n == 0;
}

// Writes `bytes` to `tmp`, fsyncs it and renames it over `path`. The caller fsyncs the directory.
bool write_and_rename(const std::string& tmp, const std::string& path, std::string_view bytes) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

// ---- Little-endian encoding -----------------------------------------------------------------

void put_u8(std::string& out, uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads what the put_* functions wrote; any overrun clears ok() and yields zeros.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  std::string bytes() {
    uint32_t n = u32();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  uint64_t fixed(int n) {
    if (!ok_ || in_.size() - pos_ < static_cast<size_t>(n)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// ---- Paths ----------------------------------------------------------------------------------

// ZooKeeper's rules: absolute, no trailing '/', no empty, "." or ".." components, no NUL.
bool valid_path(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/' || path.find('\0') != std::string_view::npos) return false;
  for (size_t start = 1; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// For a valid path other than "/": "/a/b" -> "/a", "/a" -> "/".
std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}
std::string name_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// ---- The tree -------------------------------------------------------------------------------

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

// Versions wrap like ZooKeeper's 32-bit counters, without signed-overflow UB.
int32_t plus(int32_t v, int32_t d) {
  return static_cast<int32_t>(static_cast<uint32_t>(v) + static_cast<uint32_t>(d));
}

Stat stat_of(const Node& node) {
  return {node.version,
          node.cversion,
          node.ctime_ms,
          node.mtime_ms,
          node.ephemeral,
          static_cast<int32_t>(node.children.size()),
          static_cast<int32_t>(node.data.size())};
}

// Whether `m` applies to `tree` (version checks are the caller's). Path is valid.
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

// Applies a checked mutation. `undo`, if given, receives what undo_mutation() needs.
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

// ---- Records --------------------------------------------------------------------------------

// A journal record: u32 payload length, u32 CRC32 of the payload, payload (one call's mutations).
std::string encode_record(const std::vector<Mutation>& mutations) {
  std::string payload;
  put_u32(payload, static_cast<uint32_t>(mutations.size()));
  for (const Mutation& m : mutations) {
    put_u8(payload, static_cast<uint8_t>(m.kind));
    put_bytes(payload, m.path);
    if (m.kind == Mutation::Kind::kCreate) put_u8(payload, m.ephemeral ? 1 : 0);
    if (m.kind != Mutation::Kind::kRemove) {
      put_u64(payload, static_cast<uint64_t>(m.time_ms));
      put_bytes(payload, m.data);
    }
  }
  if (payload.size() > kMaxRecordPayload) return {};
  std::string record;
  put_u32(record, static_cast<uint32_t>(payload.size()));
  put_u32(record, checksum(payload));
  return record + payload;
}

bool decode_payload(std::string_view payload, std::vector<Mutation>& out) {
  Reader in(payload);
  uint32_t count = in.u32();
  for (uint32_t i = 0; in.ok() && i < count; ++i) {
    Mutation m;
    uint8_t kind = in.u8();
    if (kind < 1 || kind > 3) return false;
    m.kind = static_cast<Mutation::Kind>(kind);
    m.path = in.bytes();
    if (m.kind == Mutation::Kind::kCreate) m.ephemeral = in.u8() != 0;
    if (m.kind != Mutation::Kind::kRemove) {
      m.time_ms = static_cast<int64_t>(in.u64());
      m.data = in.bytes();
    }
    if (!valid_path(m.path)) return false;
    out.push_back(std::move(m));
  }
  return in.ok() && in.at_end();
}

std::string encode_snapshot(const Tree& tree, uint64_t generation) {
  std::string out(kSnapshotMagic);
  put_u32(out, kSnapshotFormat);
  put_u64(out, generation);
  put_u64(out, tree.size());
  for (const auto& [path, node] : tree) {  // map order: every parent before its children
    put_bytes(out, path);
    put_bytes(out, node.data);
    put_u32(out, static_cast<uint32_t>(node.version));
    put_u32(out, static_cast<uint32_t>(node.cversion));
    put_u64(out, static_cast<uint64_t>(node.ctime_ms));
    put_u64(out, static_cast<uint64_t>(node.mtime_ms));
    put_u8(out, node.ephemeral ? 1 : 0);
  }
  put_u32(out, checksum(out));
  return out;
}

bool decode_snapshot(std::string_view file, Tree& tree, uint64_t& generation) {
  if (file.size() < kSnapshotMagic.size() + 4) return false;
  std::string_view body = file.substr(0, file.size() - 4);
  if (Reader(file.substr(body.size())).u32() != checksum(body)) return false;
  if (body.substr(0, kSnapshotMagic.size()) != kSnapshotMagic) return false;
  Reader in(body.substr(kSnapshotMagic.size()));
  if (in.u32() != kSnapshotFormat) return false;
  generation = in.u64();
  uint64_t count = in.u64();
  tree.clear();
  for (uint64_t i = 0; in.ok() && i < count; ++i) {
    std::string path = in.bytes();
    Node node;
    node.data = in.bytes();
    node.version = static_cast<int32_t>(in.u32());
    node.cversion = static_cast<int32_t>(in.u32());
    node.ctime_ms = static_cast<int64_t>(in.u64());
    node.mtime_ms = static_cast<int64_t>(in.u64());
    node.ephemeral = in.u8() != 0;
    if (!valid_path(path) || (i == 0) != (path == "/")) return false;
    if (path != "/") {
      auto parent = tree.find(parent_of(path));
      if (parent == tree.end()) return false;
      parent->second.children.insert(name_of(path));
    }
    if (!tree.emplace(std::move(path), std::move(node)).second) return false;
  }
  return in.ok() && in.at_end() && !tree.empty();
}

using WatchTable = std::unordered_map<std::string, std::vector<Watcher>>;

struct FiredWatch {
  Watcher watcher;
  WatchEvent event;
  std::string path;
};

void take_watches(WatchTable& table, const std::string& path, WatchEvent event,
                  std::vector<FiredWatch>& fired) {
  auto it = table.find(path);
  if (it == table.end()) return;
  for (Watcher& w : it->second)
    fired.push_back({std::move(w), event, path});
  table.erase(it);
}

}  // namespace

// ---- State ----------------------------------------------------------------------------------

struct EmbeddedMetadataStore::State {
  // The mutations one call has applied so far, and what undoes each (same index).
  struct Txn {
    std::vector<Mutation> mutations;
    std::vector<Node> undo;
  };

  std::string meta_dir;  // <dir>/__metadata
  Options options;

  std::mutex mu;  // guards everything below
  Tree tree;
  WatchTable data_watches;   // set by get, and by exists (also on missing nodes)
  WatchTable child_watches;  // set by children
  int journal_fd = -1;
  uint64_t generation = 0;  // the snapshot names journal-<generation> as its continuation
  uint64_t journal_bytes = 0;
  bool failed = false;  // a journal write failed: mutations refused until reopened

  ~State() {
    if (journal_fd >= 0) ::close(journal_fd);
  }

  std::string file(const std::string& name) const { return meta_dir + "/" + name; }

  // Validates `op` against the tree as changed by the ops before it, and applies it. On error
  // nothing of `op` is applied (earlier ops stay in `txn` for the caller to roll back).
  StoreError apply_op(const StoreOp& op, int64_t now, Txn& txn, std::string* created_path) {
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

  void rollback(Txn& txn) {
    for (size_t i = txn.mutations.size(); i-- > 0;) {
      undo_mutation(tree, txn.mutations[i], std::move(txn.undo[i]));
    }
    txn = {};
  }

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
    if (!write_all(journal_fd, record) || ::fdatasync(journal_fd) != 0) {
      spdlog::error("metadata store: journal write failed ({}); refusing further changes",
                    std::strerror(errno));
      failed = true;
      if (::ftruncate(journal_fd, static_cast<off_t>(journal_bytes)) == 0) ::fdatasync(journal_fd);
      rollback(txn);
      return StoreError::kIoError;
    }
    journal_bytes += record.size();

    std::vector<FiredWatch> fired;
    for (const Mutation& m : txn.mutations) {
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
    int fd =
        ::open(next_journal.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || ::fsync(fd) != 0 || !fsync_dir(meta_dir) ||
        !write_and_rename(file(kSnapshotTmpName), file(kSnapshotName),
                          encode_snapshot(tree, next))) {
      error = std::string("cannot write snapshot: ") + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      ::unlink(next_journal.c_str());
      return false;
    }
    if (!fsync_dir(meta_dir)) {
      // The directory may hold either snapshot after a crash: appends to either journal could
      // be lost, so stop accepting changes.
      error = std::string("cannot fsync metadata directory: ") + std::strerror(errno);
      failed = true;
      ::close(fd);
      return false;
    }
    if (journal_fd >= 0) ::close(journal_fd);
    ::unlink(file(journal_name(generation)).c_str());
    journal_fd = fd;
    generation = next;
    journal_bytes = 0;
    return true;
  }

  // Loads snapshot and journal, drops ephemeral nodes, compacts and removes stale files.
  bool recover(std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(meta_dir, ec);
    if (ec || !fsync_dir(meta_dir + "/..")) {
      error = "cannot create " + meta_dir + ": " + (ec ? ec.message() : std::strerror(errno));
      return false;
    }
    std::string bytes;
    bool found = false;
    if (!read_file(file(kSnapshotName), bytes, found)) {
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
    if (!replay(journal, keep_journal, error)) return false;
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
        ::unlink(it->path().c_str());  // left by a crash mid-compaction
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

  // Applies the journal's records in order, stopping at the first torn or corrupt one. A crash
  // can only damage the last record (and leave zeros after it); `damaged` is set when other
  // bytes follow the bad record: the disk, not a crash, lost data.
  bool replay(const std::string& path, bool& damaged, std::string& error) {
    std::string bytes;
    bool found = false;
    if (!read_file(path, bytes, found)) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return false;
    }
    std::string_view rest = bytes;
    size_t records = 0;
    while (rest.size() >= kRecordHeaderBytes) {
      Reader header(rest.substr(0, kRecordHeaderBytes));
      uint32_t length = header.u32();
      uint32_t crc = header.u32();
      if (rest.size() - kRecordHeaderBytes < length) break;  // torn: the write never finished
      std::string_view payload = rest.substr(kRecordHeaderBytes, length);
      std::vector<Mutation> mutations;
      if (checksum(payload) != crc || !decode_payload(payload, mutations)) {
        std::string_view after = rest.substr(kRecordHeaderBytes + length);
        damaged = after.find_first_not_of('\0') != std::string_view::npos;  // not a zeroed tail
        break;
      }
      for (const Mutation& m : mutations) {
        if (StoreError e = check_mutation(tree, m); e != StoreError::kOk) {
          error = "journal " + path + " record " + std::to_string(records) + " (" + m.path +
                  ") does not apply: " + std::string(store_error_name(e));
          return false;
        }
        apply_mutation(tree, m, nullptr);
      }
      rest.remove_prefix(kRecordHeaderBytes + length);
      ++records;
    }
    if (!rest.empty()) {
      spdlog::warn("metadata store: dropped {} bytes of torn or corrupt journal tail in {}",
                   rest.size(), path);
    }
    return true;
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
  if (!state->recover(error)) return nullptr;
  return std::unique_ptr<EmbeddedMetadataStore>(new EmbeddedMetadataStore(std::move(state)));
}

EmbeddedMetadataStore::EmbeddedMetadataStore(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

EmbeddedMetadataStore::~EmbeddedMetadataStore() = default;

StoreError EmbeddedMetadataStore::create(const std::string& path, std::string data, CreateMode mode,
                                         std::string* created_path) {
  std::unique_lock lock(state_->mu);
  State::Txn txn;
  StoreError e =
      state_->apply_op(StoreOp::create(path, std::move(data), mode), now_ms(), txn, created_path);
  return e == StoreError::kOk ? state_->finish(lock, txn) : e;
}

StoreError EmbeddedMetadataStore::create_recursive(const std::string& path, std::string data) {
  if (!valid_path(path)) return StoreError::kBadArguments;
  std::unique_lock lock(state_->mu);
  State::Txn txn;
  int64_t now = now_ms();
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
  State::Txn txn;
  StoreError e = state_->apply_op(StoreOp::set(path, std::move(data), expected_version), now_ms(),
                                  txn, nullptr);
  if (e != StoreError::kOk) return e;
  Stat after = stat_of(state_->tree.at(path));
  e = state_->finish(lock, txn);
  if (e == StoreError::kOk && stat) *stat = after;
  return e;
}

StoreError EmbeddedMetadataStore::remove(const std::string& path, int32_t expected_version) {
  std::unique_lock lock(state_->mu);
  State::Txn txn;
  StoreError e = state_->apply_op(StoreOp::remove(path, expected_version), now_ms(), txn, nullptr);
  return e == StoreError::kOk ? state_->finish(lock, txn) : e;
}

StoreError EmbeddedMetadataStore::remove_recursive(const std::string& path) {
  if (!valid_path(path) || path == "/") return StoreError::kBadArguments;
  std::unique_lock lock(state_->mu);
  if (!state_->tree.contains(path)) return StoreError::kNoNode;
  // Post-order, so every node is empty when removed.
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
    for (const std::string& child : state_->tree.at(node).children) {
      stack.emplace_back(node + "/" + child, false);
    }
  }
  State::Txn txn;
  int64_t now = now_ms();
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
  State::Txn txn;
  int64_t now = now_ms();
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
  State::Txn txn;
  int64_t now = now_ms();
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
