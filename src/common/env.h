// Every file system call of the storage layer and the embedded metadata journal goes through an
// Env, so that tests can make any of them fail (EIO, ENOSPC), count syncs, and simulate a power
// cut (common/testing_env.h). Env::posix() is the real file system; production code uses
// nothing else.
//
// The calls mirror POSIX: they return what the system call returns, and set errno on failure,
// so callers report errors exactly as before (strerror(errno)). Reads of memory-mapped index
// files, fstat and directory listings stay direct: they neither change the disk nor need faults.
//
// Implementations are thread-safe: logs append, flush and clean from several threads at once.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace gregor {

class Env {
 public:
  virtual ~Env() = default;

  // The real file system.
  static Env& posix();

  virtual int open(const std::string& path, int flags, mode_t mode = 0644) = 0;
  virtual int close(int fd) = 0;
  virtual ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) = 0;
  virtual ssize_t write(int fd, const void* data, size_t size) = 0;
  virtual ssize_t pread(int fd, void* data, size_t size, off_t offset) = 0;
  virtual int fsync(int fd) = 0;
  virtual int fdatasync(int fd) = 0;
  virtual int ftruncate(int fd, off_t size) = 0;
  virtual int truncate(const std::string& path, off_t size) = 0;
  // msync(MS_SYNC) of a shared mapping of a file: the sync of a memory-mapped index.
  virtual int msync(void* address, size_t length) = 0;
  virtual int fallocate(int fd, int mode, off_t offset, off_t length) = 0;
  virtual int rename(const std::string& from, const std::string& to) = 0;
  virtual int unlink(const std::string& path) = 0;
  virtual int mkdir(const std::string& path, mode_t mode) = 0;
  // Removes `path` and everything below it; 0, or -1 with errno. A missing path is not an error.
  virtual int remove_all(const std::string& path) = 0;
};

// fsyncs directory `dir`, making the creates, renames and unlinks in it durable. False (errno
// set) on failure.
bool sync_dir(Env& env, const std::string& dir);

// Writes all of `bytes` at `fd`'s position, retrying on EINTR and short writes. False (errno
// set) on failure.
bool write_fully(Env& env, int fd, std::string_view bytes);

}  // namespace gregor
