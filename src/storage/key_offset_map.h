// Key -> latest offset for one cleaning pass, in a fixed budget of memory, as Kafka's
// SkimpyOffsetMap: open addressing over 24-byte slots {128-bit hash of the key, offset}.
// Keys are identified by their hash alone, so two keys colliding on all 128 bits would make
// the cleaner drop the older one's latest record; with two independent 64-bit hashes the odds
// are negligible (Kafka accepts the same risk with MD5).
//
//   KeyOffsetMap map(128 << 20);           // memory, allocated once and reused across passes
//   if (!map.put(key, offset)) ...;     // full: stop mapping here
//   if (offset < map.get(key)) drop();  // a later record has the same key
//
// Not thread-safe: one per cleaner thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/codec.h"

namespace gregor::storage {

class KeyOffsetMap {
 public:
  // `memory_bytes` of slots; at most `load_factor` of them are filled before the map is full.
  explicit KeyOffsetMap(int64_t memory_bytes, double load_factor = 0.9);

  void clear();
  // Records `offset` for `key` (offsets only grow: a smaller one is ignored). False when the map
  // is full and the key is new; nothing is stored then.
  bool put(protocol::ByteView key, int64_t offset);
  // The latest offset recorded for `key`, -1 if none.
  int64_t get(protocol::ByteView key) const;

  size_t size() const { return size_; }
  size_t slots() const { return slots_.size(); }
  bool full() const { return size_ >= limit_; }
  // Bytes held by the slots (what the cleaner reports as its memory).
  int64_t memory_bytes() const { return static_cast<int64_t>(slots_.size() * sizeof(Slot)); }

 private:
  struct Slot {
    uint64_t hash_a = 0;
    uint64_t hash_b = 0;
    int64_t offset = -1;  // -1: empty
  };
  // The slot holding the key's hash, or the empty one where it would go.
  size_t probe(uint64_t hash_a, uint64_t hash_b) const;

  std::vector<Slot> slots_;
  size_t limit_ = 0;
  size_t size_ = 0;
};

}  // namespace gregor::storage
