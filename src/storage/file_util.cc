#include "storage/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace gregor::storage {

std::string segment_file_path(const std::string& dir, int64_t base_offset,
                              std::string_view suffix) {
  return fmt::format("{}/{:020d}{}", dir, base_offset, suffix);
}

std::optional<int64_t> parse_segment_file_name(std::string_view file_name,
                                               std::string_view suffix) {
  constexpr size_t kDigits = 20;
  if (file_name.size() != kDigits + suffix.size()) return std::nullopt;
  if (file_name.substr(kDigits) != suffix) return std::nullopt;
  int64_t value = 0;
  for (size_t i = 0; i < kDigits; ++i) {
    const char c = file_name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (INT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

bool pwrite_all(Env& env, int fd, const void* data, size_t size, int64_t offset) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = env.pwrite(fd, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

int64_t pread_full(Env& env, int fd, void* data, size_t size, int64_t offset) {
  auto* p = static_cast<uint8_t*>(data);
  int64_t total = 0;
  while (size > 0) {
    const ssize_t n = env.pread(fd, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    p += n;
    size -= static_cast<size_t>(n);
    offset += n;
    total += n;
  }
  return total;
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool write_file_atomically(Env& env, const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = env.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = pwrite_all(env, fd, content.data(), content.size(), 0) && env.fsync(fd) == 0;
  ok = (env.close(fd) == 0) && ok;
  if (!ok || env.rename(tmp, path) != 0) {
    const int saved = errno;
    env.unlink(tmp);
    errno = saved;
    return false;
  }
  return sync_dir(env, parent_dir(path));
}

ReadStatus read_small_file(Env& env, const std::string& path, std::string& out) {
  out.clear();
  const int fd = env.open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? ReadStatus::kMissing : ReadStatus::kError;
  char buf[8192];
  ReadStatus status = ReadStatus::kOk;
  for (int64_t at = 0;;) {
    const int64_t n = pread_full(env, fd, buf, sizeof(buf), at);
    if (n < 0) status = ReadStatus::kError;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  env.close(fd);
  return status;
}

int64_t file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return -1;
  return st.st_size;
}

}  // namespace gregor::storage
