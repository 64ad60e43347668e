#include "storage/time_index.h"

#include "common/coding.h"

namespace gregor::storage {

std::unique_ptr<TimeIndex> TimeIndex::open(const std::string& path, int64_t base_offset,
                                           int64_t max_bytes, Env& env) {
  auto file = IndexFile::open(path, kEntrySize, max_bytes, env);
  if (!file) return nullptr;
  return std::unique_ptr<TimeIndex>(new TimeIndex(std::move(file), base_offset));
}

TimeIndex::Entry TimeIndex::entry(int64_t i) const {
  const uint8_t* p = file_->entry(i);
  return {static_cast<int64_t>(load_big_endian<uint64_t>(p)),
          base_offset_ + static_cast<int32_t>(load_big_endian<uint32_t>(p + 8))};
}

TimeIndex::Entry TimeIndex::lookup(int64_t target) const {
  int64_t lo = 0, hi = file_->entries() - 1, found = -1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (entry(mid).timestamp <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found < 0 ? Entry{-1, base_offset_} : entry(found);
}

std::optional<TimeIndex::Entry> TimeIndex::last_entry() const {
  const int64_t n = file_->entries();
  if (n == 0) return std::nullopt;
  return entry(n - 1);
}

bool TimeIndex::maybe_append(int64_t timestamp, int64_t offset, bool on_roll) {
  const auto last = last_entry();
  if (last && (timestamp <= last->timestamp || offset < last->offset)) return true;
  if (!last && timestamp < 0) return true;  // no timestamps at all: nothing to index
  if (!on_roll && full()) return false;
  uint8_t bytes[kEntrySize];
  store_big_endian(bytes, static_cast<uint64_t>(timestamp));
  store_big_endian(bytes + 8, static_cast<uint32_t>(offset - base_offset_));
  return file_->append(bytes);
}

void TimeIndex::truncate_to(int64_t offset) {
  int64_t keep = file_->entries();
  while (keep > 0 && entry(keep - 1).offset >= offset)
    --keep;
  file_->truncate_to_entries(keep);
}

bool TimeIndex::sane() const {
  if (!file_->size_ok()) return false;
  const int64_t n = file_->entries();
  if (n == 0) return true;
  const Entry last = entry(n - 1);
  if (last.offset < base_offset_) return false;
  if (n == 1) return true;
  const Entry before = entry(n - 2);
  return before.timestamp < last.timestamp && before.offset <= last.offset;
}

}  // namespace gregor::storage
