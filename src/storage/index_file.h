// A memory-mapped file of fixed-size index entries: the storage under OffsetIndex and TimeIndex.
//
// Why mmap rather than pread/pwrite: a lookup is a binary search over the entries; through a
// mapping it is a few memory reads with no system call, and readers (fetch threads) can search
// while the single writer appends, because entries never move: the whole capacity
// (segment.index.bytes) is mapped once at open and never remapped. Kafka does the same.
//
// Concurrency: one writer (the Log's append path, under the Log's append mutex, or the loader
// before the log is shared), any number of readers. The writer fills an entry, then publishes it
// by storing the entry count with release order; readers load the count with acquire order and
// only touch entries below it.
//
// Trimming (on roll and close) shrinks the file to the entries in use but keeps the mapping:
// the pages still backed by the file stay readable, and nobody touches the ones past the end.
// Growing (when a segment becomes active again) just extends the file under the same mapping.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "common/env.h"

namespace gregor::storage {

class IndexFile {
 public:
  // Opens `path`, creating it empty if missing. The entry count is the file size divided by
  // `entry_size`; `size_ok()` is false when the size is not a multiple of it. The mapping holds
  // max(file size, max_bytes) bytes, at least two entries. nullptr on an I/O error (logged).
  static std::unique_ptr<IndexFile> open(const std::string& path, size_t entry_size,
                                         int64_t max_bytes, Env& env = Env::posix());
  ~IndexFile();
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;

  const std::string& path() const { return path_; }
  bool size_ok() const { return size_ok_; }
  bool created() const { return created_; }
  int64_t entries() const { return entries_.load(std::memory_order_acquire); }
  int64_t max_entries() const { return max_entries_; }
  // Entry `i` (< entries()) as raw big-endian bytes.
  const uint8_t* entry(int64_t i) const { return map_ + i * entry_size_; }

  // Writer only. Copies one entry after the last and publishes it; false if full or the file
  // could not be grown.
  bool append(const uint8_t* bytes);
  // Writer only. Forgets entries [n, entries()).
  void truncate_to_entries(int64_t n);
  // Writer only. Shrinks the file to the entries in use (an inactive segment's index), or
  // extends it to the full capacity (the active segment's, preallocated like Kafka's).
  bool trim();
  bool grow();

  // Makes the entries durable (msync of the pages in use).
  bool flush() const;
  // Unlinks the file; the mapping stays valid until destruction.
  bool remove() const;

 private:
  IndexFile(Env& env, std::string path, size_t entry_size);
  bool resize_file(int64_t bytes);

  Env& env_;
  const std::string path_;  // resized by path: no descriptor is kept open
  const size_t entry_size_;
  uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
  int64_t max_entries_ = 0;
  int64_t file_len_ = 0;  // writer only
  bool size_ok_ = true;
  bool created_ = false;
  std::atomic<int64_t> entries_{0};
};

}  // namespace gregor::storage
