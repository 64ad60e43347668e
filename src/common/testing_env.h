// For tests only (header-only; nothing links it into a library): an Env over the real file
// system that fails the calls a test asks it to, with the errno it names, and counts syncs.
//
//   FaultInjectionEnv env;
//   env.fail(FaultInjectionEnv::Op::kFdatasync, EIO);          // every fdatasync, until cleared
//   env.fail(FaultInjectionEnv::Op::kPwrite, ENOSPC, 1, ".log");  // the next pwrite to a .log
//   auto log = Log::open(dir, config, true, 0, -1, env).log;
//   ...
//   env.clear_failures();
//   EXPECT_EQ(env.syncs(), 2);
//
// A failed call does nothing and returns -1 with errno set, as a failing system call would.
// Thread-safe.
#pragma once

#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/env.h"

namespace gregor {

class FaultInjectionEnv final : public Env {
 public:
  enum class Op {
    kOpen,
    kPwrite,
    kWrite,
    kPread,
    kFsync,
    kFdatasync,
    kFtruncate,
    kTruncate,
    kMsync,
    kFallocate,
    kRename,
    kUnlink,
    kMkdir,
    kRemoveAll,
  };

  // The next `count` calls of `op` (every one when count < 0) whose path contains `path_part`
  // (any path when empty) fail with `error`. For calls on a descriptor, the path is the one it
  // was opened with through this Env; a rename matches on "<from>\n<to>"; msync has no path,
  // so only a rule with an empty `path_part` matches it.
  void fail(Op op, int error, int count = -1, std::string path_part = {}) {
    std::lock_guard lock(mutex_);
    rules_.push_back({op, error, count, std::move(path_part)});
  }
  void clear_failures() {
    std::lock_guard lock(mutex_);
    rules_.clear();
  }
  // Calls failed so far.
  int failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }
  // Successful fsync, fdatasync and msync calls so far.
  int syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
  }

  int open(const std::string& path, int flags, mode_t mode) override {
    if (fails(Op::kOpen, path)) return -1;
    const int fd = real_.open(path, flags, mode);
    if (fd >= 0) {
      std::lock_guard lock(mutex_);
      paths_[fd] = path;
    }
    return fd;
  }
  int close(int fd) override {
    {
      std::lock_guard lock(mutex_);
      paths_.erase(fd);
    }
    return real_.close(fd);
  }
  ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) override {
    return fails(Op::kPwrite, path_of(fd)) ? -1 : real_.pwrite(fd, data, size, offset);
  }
  ssize_t write(int fd, const void* data, size_t size) override {
    return fails(Op::kWrite, path_of(fd)) ? -1 : real_.write(fd, data, size);
  }
  ssize_t pread(int fd, void* data, size_t size, off_t offset) override {
    return fails(Op::kPread, path_of(fd)) ? -1 : real_.pread(fd, data, size, offset);
  }
  int fsync(int fd) override {
    return sync(Op::kFsync, path_of(fd), [&] { return real_.fsync(fd); });
  }
  int fdatasync(int fd) override {
    return sync(Op::kFdatasync, path_of(fd), [&] { return real_.fdatasync(fd); });
  }
  int ftruncate(int fd, off_t size) override {
    return fails(Op::kFtruncate, path_of(fd)) ? -1 : real_.ftruncate(fd, size);
  }
  int truncate(const std::string& path, off_t size) override {
    return fails(Op::kTruncate, path) ? -1 : real_.truncate(path, size);
  }
  int msync(void* address, size_t length) override {
    return sync(Op::kMsync, {}, [&] { return real_.msync(address, length); });
  }
  int fallocate(int fd, int mode, off_t offset, off_t length) override {
    return fails(Op::kFallocate, path_of(fd)) ? -1 : real_.fallocate(fd, mode, offset, length);
  }
  int rename(const std::string& from, const std::string& to) override {
    return fails(Op::kRename, from + "\n" + to) ? -1 : real_.rename(from, to);
  }
  int unlink(const std::string& path) override {
    return fails(Op::kUnlink, path) ? -1 : real_.unlink(path);
  }
  int mkdir(const std::string& path, mode_t mode) override {
    return fails(Op::kMkdir, path) ? -1 : real_.mkdir(path, mode);
  }
  int remove_all(const std::string& path) override {
    return fails(Op::kRemoveAll, path) ? -1 : real_.remove_all(path);
  }

 private:
  struct Rule {
    Op op;
    int error;
    int count;  // < 0: unlimited
    std::string path_part;
  };

  std::string path_of(int fd) const {
    std::lock_guard lock(mutex_);
    const auto it = paths_.find(fd);
    return it == paths_.end() ? std::string() : it->second;
  }

  // Whether this call fails; if so errno is set and the rule's count used up.
  bool fails(Op op, const std::string& path) {
    std::lock_guard lock(mutex_);
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
      if (it->op != op || it->count == 0) continue;
      if (!it->path_part.empty() && path.find(it->path_part) == std::string::npos) continue;
      if (it->count > 0) --it->count;
      ++failures_;
      errno = it->error;
      return true;
    }
    return false;
  }

  template <typename Call>
  int sync(Op op, const std::string& path, Call call) {
    if (fails(op, path)) return -1;
    const int result = call();
    if (result == 0) {
      std::lock_guard lock(mutex_);
      ++syncs_;
    }
    return result;
  }

  Env& real_ = Env::posix();
  mutable std::mutex mutex_;
  std::vector<Rule> rules_;
  std::map<int, std::string> paths_;
  int failures_ = 0;
  int syncs_ = 0;
};

}  // namespace gregor
