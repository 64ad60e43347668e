// A segment's sparse time index (`<base>.timeindex`): 12-byte entries, big-endian
//   timestamp int64 | relative offset int32
// An entry (T, O) says: no batch before offset O has a max timestamp above T, so a search for
// the first batch with max timestamp >= t may start at the batch holding O for the largest
// T <= t. Entries are added at the same points as the offset index, only when the largest
// timestamp seen so far grew; timestamps and offsets are increasing. One slot is kept free for
// the entry appended when the segment is rolled or closed (Kafka's rule).
//
// Threads: as OffsetIndex (one writer under the Log's append mutex, concurrent lookups).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "storage/index_file.h"

namespace gregor::storage {

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  struct Entry {
    int64_t timestamp;
    int64_t offset;
  };

  static std::unique_ptr<TimeIndex> open(const std::string& path, int64_t base_offset,
                                         int64_t max_bytes, Env& env = Env::posix());

  // The entry with the largest timestamp <= target, or {-1, base} when there is none.
  Entry lookup(int64_t target) const;
  std::optional<Entry> last_entry() const;
  Entry entry(int64_t i) const;

  // Appends (timestamp, offset) if timestamp is above the last entry's; offsets must not go
  // back. `on_roll` may use the reserved last slot. False when full or the file cannot grow.
  bool maybe_append(int64_t timestamp, int64_t offset, bool on_roll = false);
  bool full() const { return file_->entries() >= file_->max_entries() - 1; }
  // Removes the entries for offsets >= `offset`.
  void truncate_to(int64_t offset);
  void reset() { file_->truncate_to_entries(0); }

  // Whole entries, and the last entry is not below the one before it (nor below the base).
  bool sane() const;

  IndexFile& file() { return *file_; }
  const IndexFile& file() const { return *file_; }

 private:
  TimeIndex(std::unique_ptr<IndexFile> file, int64_t base_offset)
      : file_(std::move(file)), base_offset_(base_offset) {}

  std::unique_ptr<IndexFile> file_;
  const int64_t base_offset_;
};

}  // namespace gregor::storage
