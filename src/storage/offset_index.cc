#include "storage/offset_index.h"

#include "common/coding.h"

namespace gregor::storage {

std::unique_ptr<OffsetIndex> OffsetIndex::open(const std::string& path, int64_t base_offset,
                                               int64_t max_bytes, Env& env) {
  auto file = IndexFile::open(path, kEntrySize, max_bytes, env);
  if (!file) return nullptr;
  return std::unique_ptr<OffsetIndex>(new OffsetIndex(std::move(file), base_offset));
}

OffsetIndex::Entry OffsetIndex::entry(int64_t i) const {
  const uint8_t* p = file_->entry(i);
  return {base_offset_ + static_cast<int32_t>(load_big_endian<uint32_t>(p)),
          static_cast<int64_t>(load_big_endian<uint32_t>(p + 4))};
}

int64_t OffsetIndex::floor_slot(int64_t Entry::*key, int64_t target, int64_t entries) const {
  int64_t lo = 0, hi = entries - 1, found = -1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (entry(mid).*key <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

OffsetIndex::Entry OffsetIndex::lookup(int64_t target) const {
  const int64_t slot = floor_slot(&Entry::offset, target, file_->entries());
  return slot < 0 ? Entry{base_offset_, 0} : entry(slot);
}

OffsetIndex::Entry OffsetIndex::lookup_position(int64_t position) const {
  const int64_t slot = floor_slot(&Entry::position, position, file_->entries());
  return slot < 0 ? Entry{base_offset_, 0} : entry(slot);
}

std::optional<OffsetIndex::Entry> OffsetIndex::last_entry() const {
  const int64_t n = file_->entries();
  if (n == 0) return std::nullopt;
  return entry(n - 1);
}

bool OffsetIndex::append(int64_t offset, int64_t position) {
  const auto last = last_entry();
  if (last && offset <= last->offset) return true;
  uint8_t bytes[kEntrySize];
  store_big_endian(bytes, static_cast<uint32_t>(offset - base_offset_));
  store_big_endian(bytes + 4, static_cast<uint32_t>(position));
  return file_->append(bytes);
}

void OffsetIndex::truncate_to(int64_t offset) {
  file_->truncate_to_entries(floor_slot(&Entry::offset, offset - 1, file_->entries()) + 1);
}

bool OffsetIndex::sane(int64_t log_size) const {
  if (!file_->size_ok()) return false;
  const int64_t n = file_->entries();
  if (n == 0) return true;
  const Entry last = entry(n - 1);
  if (last.offset < base_offset_ || last.position >= log_size) return false;
  if (n == 1) return true;
  const Entry before = entry(n - 2);
  return before.offset < last.offset && before.position < last.position;
}

}  // namespace gregor::storage
