#include "storage/key_offset_map.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"

namespace gregor::storage {

namespace {

// MurmurHash64A (Austin Appleby, public domain); two seeds give two independent hashes.
uint64_t murmur64(const uint8_t* data, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (len * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i) {
    // Little-endian whatever the host, so that a key hashes the same everywhere.
    uint64_t k = load_little_endian<uint64_t>(data + i * 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const uint8_t* tail = data + blocks * 8;
  switch (len & 7) {
    case 7:
      h ^= uint64_t{tail[6]} << 48;
      [[fallthrough]];
    case 6:
      h ^= uint64_t{tail[5]} << 40;
      [[fallthrough]];
    case 5:
      h ^= uint64_t{tail[4]} << 32;
      [[fallthrough]];
    case 4:
      h ^= uint64_t{tail[3]} << 24;
      [[fallthrough]];
    case 3:
      h ^= uint64_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint64_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint64_t{tail[0]};
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

constexpr uint64_t kSeedA = 0x9747b28c2d1e3f5aULL;
constexpr uint64_t kSeedB = 0xc3a5c85c97cb3127ULL;

}  // namespace

KeyOffsetMap::KeyOffsetMap(int64_t memory_bytes, double load_factor) {
  const size_t count = std::max<size_t>(16, static_cast<size_t>(memory_bytes) / sizeof(Slot));
  slots_.resize(count);
  limit_ = std::max<size_t>(1, static_cast<size_t>(static_cast<double>(count) * load_factor));
  limit_ = std::min(limit_, count - 1);  // one empty slot always ends a probe
}

void KeyOffsetMap::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  size_ = 0;
}

size_t KeyOffsetMap::probe(uint64_t hash_a, uint64_t hash_b) const {
  size_t at = hash_a % slots_.size();
  while (true) {
    const Slot& slot = slots_[at];
    if (slot.offset < 0 || (slot.hash_a == hash_a && slot.hash_b == hash_b)) return at;
    at = at + 1 == slots_.size() ? 0 : at + 1;
  }
}

bool KeyOffsetMap::put(protocol::ByteView key, int64_t offset) {
  const uint64_t a = murmur64(key.data(), key.size(), kSeedA);
  const uint64_t b = murmur64(key.data(), key.size(), kSeedB);
  Slot& slot = slots_[probe(a, b)];
  if (slot.offset >= 0) {
    slot.offset = std::max(slot.offset, offset);
    return true;
  }
  if (full()) return false;
  slot = Slot{a, b, offset};
  ++size_;
  return true;
}

int64_t KeyOffsetMap::get(protocol::ByteView key) const {
  const uint64_t a = murmur64(key.data(), key.size(), kSeedA);
  const uint64_t b = murmur64(key.data(), key.size(), kSeedB);
  return slots_[probe(a, b)].offset;
}

}  // namespace gregor::storage
