// Metadata store files: names, little-endian encoding, journal records and snapshots, each
// CRC32C-checked (layout: docs/formats/metadata-store.md).
#include "cluster/metadata_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/coding.h"
#include "common/crc32c.h"

namespace gregor::cluster::metadata_internal {
namespace {

constexpr std::string_view kSnapshotMagic = "GRGMETA1";
constexpr uint32_t kSnapshotFormat = 1;
constexpr size_t kRecordHeaderBytes = 8;            // u32 payload length, u32 CRC32 of payload
constexpr uint64_t kMaxRecordPayload = 1ull << 30;  // one multi() may not journal more

// CRC32C (Castagnoli), Gregor's in-tree hardware-accelerated CRC (common/crc32c.h).
uint32_t checksum(std::string_view bytes) {
  return crc32c(bytes.data(), bytes.size());
}

// ---- Little-endian encoding -----------------------------------------------------------------

void put_u8(std::string& out, uint8_t v) {
  out.push_back(static_cast<char>(v));
}
template <std::unsigned_integral T>
void put_fixed(std::string& out, T v) {
  char bytes[sizeof(T)];
  store_little_endian(bytes, v);
  out.append(bytes, sizeof(T));
}
void put_u32(std::string& out, uint32_t v) {
  put_fixed(out, v);
}
void put_u64(std::string& out, uint64_t v) {
  put_fixed(out, v);
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
  uint8_t u8() { return fixed<uint8_t>(); }
  uint32_t u32() { return fixed<uint32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
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
  template <std::unsigned_integral T>
  T fixed() {
    if (!ok_ || in_.size() - pos_ < sizeof(T)) {
      ok_ = false;
      return 0;
    }
    const auto v = load_little_endian<T>(in_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

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

}  // namespace

std::string journal_name(uint64_t generation) {
  char name[48];
  std::snprintf(name, sizeof(name), "journal-%020llu", static_cast<unsigned long long>(generation));
  return name;
}

bool read_file(Env& env, const std::string& path, std::string& out, bool& found) {
  out.clear();
  found = false;
  const int fd = env.open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  found = true;
  char buf[1 << 16];
  bool ok = true;
  for (off_t at = 0;;) {
    const ssize_t n = env.pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  env.close(fd);
  return ok;
}

bool write_and_rename(Env& env, const std::string& tmp, const std::string& path,
                      std::string_view bytes) {
  const int fd = env.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write_fully(env, fd, bytes) && env.fsync(fd) == 0;
  ok = (env.close(fd) == 0) && ok;
  ok = ok && env.rename(tmp, path) == 0;
  if (!ok) {
    const int saved = errno;
    env.unlink(tmp);
    errno = saved;
  }
  return ok;
}

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

bool replay_journal(Env& env, const std::string& path, Tree& tree, bool& damaged,
                    std::string& error) {
  std::string bytes;
  bool found = false;
  if (!read_file(env, path, bytes, found)) {
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

}  // namespace gregor::cluster::metadata_internal
