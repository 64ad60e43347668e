// An open file descriptor with shared ownership. Segments hold their log file through one, and a
// fetch response that sends a region of it with sendfile holds it too, so deleting or rolling a
// segment never closes a descriptor that a socket write is still reading from.
#pragma once

#include <memory>

namespace gregor {

class FileHandle {
 public:
  explicit FileHandle(int fd) noexcept : fd_(fd) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

using SharedFile = std::shared_ptr<const FileHandle>;

}  // namespace gregor
