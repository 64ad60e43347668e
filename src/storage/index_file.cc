#include "storage/index_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "storage/file_util.h"

namespace gregor::storage {

IndexFile::IndexFile(Env& env, std::string path, size_t entry_size)
    : env_(env), path_(std::move(path)), entry_size_(entry_size) {}

IndexFile::~IndexFile() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
}

std::unique_ptr<IndexFile> IndexFile::open(const std::string& path, size_t entry_size,
                                           int64_t max_bytes, Env& env) {
  int fd = env.open(path, O_RDWR | O_CLOEXEC);
  bool created = false;
  if (fd < 0 && errno == ENOENT) {
    fd = env.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    created = true;
  }
  if (fd < 0) {
    spdlog::error("cannot open index {}: {}", path, std::strerror(errno));
    return nullptr;
  }
  // The descriptor is closed once the file is mapped, as Kafka does: a broker with many
  // partitions then holds one descriptor per segment (its .log), not three.
  struct Closer {
    Env& env;
    int fd;
    ~Closer() { env.close(fd); }
  } closer{env, fd};
  std::unique_ptr<IndexFile> index(new IndexFile(env, path, entry_size));
  index->created_ = created;
  const int64_t size = file_size(fd);
  if (size < 0) return nullptr;
  const int64_t esize = static_cast<int64_t>(entry_size);
  index->file_len_ = size;
  index->size_ok_ = size % esize == 0;
  index->max_entries_ = std::max<int64_t>({2, max_bytes / esize, size / esize});
  index->map_len_ = static_cast<size_t>(index->max_entries_ * esize);
  void* map = ::mmap(nullptr, index->map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    spdlog::error("cannot map index {}: {}", path, std::strerror(errno));
    return nullptr;
  }
  index->map_ = static_cast<uint8_t*>(map);
  index->entries_.store(size / esize, std::memory_order_release);
  return index;
}

bool IndexFile::append(const uint8_t* bytes) {
  const int64_t n = entries_.load(std::memory_order_relaxed);
  if (n >= max_entries_) return false;
  const int64_t end = (n + 1) * static_cast<int64_t>(entry_size_);
  // Touching a mapped page past the end of the file raises SIGBUS: extend the file first.
  if (end > file_len_ && !grow()) return false;
  std::memcpy(map_ + n * static_cast<int64_t>(entry_size_), bytes, entry_size_);
  entries_.store(n + 1, std::memory_order_release);
  return true;
}

void IndexFile::truncate_to_entries(int64_t n) {
  if (n < entries_.load(std::memory_order_relaxed)) {
    entries_.store(std::max<int64_t>(0, n), std::memory_order_release);
  }
}

bool IndexFile::trim() {
  return resize_file(entries_.load(std::memory_order_relaxed) * static_cast<int64_t>(entry_size_));
}

bool IndexFile::grow() {
  if (file_len_ >= static_cast<int64_t>(map_len_)) return true;
  return resize_file(static_cast<int64_t>(map_len_));
}

bool IndexFile::resize_file(int64_t bytes) {
  if (bytes == file_len_) return true;
  if (env_.truncate(path_, bytes) != 0) {
    spdlog::error("cannot resize index {} to {} bytes: {}", path_, bytes, std::strerror(errno));
    return false;
  }
  file_len_ = bytes;
  size_ok_ = true;
  return true;
}

bool IndexFile::flush() const {
  static const int64_t page = ::sysconf(_SC_PAGESIZE);
  const int64_t used = entries_.load(std::memory_order_acquire) * static_cast<int64_t>(entry_size_);
  const auto length = static_cast<size_t>((used + page - 1) / page * page);
  return length == 0 || env_.msync(map_, std::min(length, map_len_)) == 0;
}

bool IndexFile::remove() const {
  return env_.unlink(path_) == 0 || errno == ENOENT;
}

}  // namespace gregor::storage
