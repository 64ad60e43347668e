// A segment's sparse offset index (`<base>.index`): 8-byte entries, big-endian
//   relative offset int32 (offset - segment base) | file position int32
// where the batch starting at `position` in the .log has last offset `base + relative`. One entry
// is added each time more than index.interval.bytes of batches were appended since the previous
// one, so a lookup lands at most that many bytes before the batch it looks for.
//
// Written by the owning Segment (under the Log's append mutex); lookup() may run concurrently
// on any thread (see IndexFile for the publication protocol).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "storage/index_file.h"

namespace gregor::storage {

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  struct Entry {
    int64_t offset;
    int64_t position;
  };

  static std::unique_ptr<OffsetIndex> open(const std::string& path, int64_t base_offset,
                                           int64_t max_bytes, Env& env = Env::posix());

  // The entry with the largest offset <= target, or {base, 0} when there is none.
  Entry lookup(int64_t target) const;
  // The entry with the largest position <= `position`, or {base, 0} when there is none. Every
  // batch that starts before the entry's position ends at or before it and has a last offset
  // below the entry's offset (entries are (last offset, start position) of one batch), so a
  // read can take all of them without looking at their headers.
  Entry lookup_position(int64_t position) const;
  std::optional<Entry> last_entry() const;
  Entry entry(int64_t i) const;

  // Appends (offset, position); ignored (true) unless offset is above the last entry's.
  // False when the index is full or the file cannot grow.
  bool append(int64_t offset, int64_t position);
  bool full() const { return file_->entries() >= file_->max_entries(); }
  // Removes the entries for offsets >= `offset`.
  void truncate_to(int64_t offset);
  void reset() { file_->truncate_to_entries(0); }

  // Cheap load-time check, as Kafka's: whole entries, and the last entry is above the one
  // before it (catches a preallocated file left by a crash) and inside a log of `log_size` bytes.
  bool sane(int64_t log_size) const;

  IndexFile& file() { return *file_; }
  const IndexFile& file() const { return *file_; }

 private:
  OffsetIndex(std::unique_ptr<IndexFile> file, int64_t base_offset)
      : file_(std::move(file)), base_offset_(base_offset) {}
  // Index of the last entry whose `key` (offset or position: both increase) is <= target, or -1.
  int64_t floor_slot(int64_t Entry::*key, int64_t target, int64_t entries) const;

  std::unique_ptr<IndexFile> file_;
  const int64_t base_offset_;
};

}  // namespace gregor::storage
