// The rewrite half of a compaction pass (cleaner.h, steps 2 and 3): one group of adjacent
// segments becomes one cleaned segment, swapped in crash-safely. Internal to the cleaner; on the
// cleaner's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/record_batch.h"
#include "storage/cleaner.h"
#include "storage/file_util.h"
#include "storage/key_offset_map.h"
#include "storage/log.h"

namespace gregor::storage {

using SegmentPtr = std::shared_ptr<Segment>;

// Calls fn(header, batch bytes) for every whole batch of `segment`; false on a read error or
// when fn returns false.
template <typename Fn>
bool for_each_batch(const Segment& segment, std::vector<uint8_t>& buffer, Fn&& fn) {
  const int64_t end = segment.size();
  int64_t position = 0;
  while (auto header = segment.read_header(position, end)) {
    buffer.resize(header->total_size());
    if (pread_full(segment.env(), segment.file()->fd(), buffer.data(), buffer.size(), position) !=
        static_cast<int64_t>(buffer.size())) {
      return false;
    }
    if (!fn(*header, protocol::ByteView(buffer))) return false;
    position += static_cast<int64_t>(header->total_size());
  }
  return true;
}

// Rewrites `group` (adjacent segments of `log`, none active) into one segment at the first one's
// base offset, keeping what `map` and the delete horizons say survives, and swaps it in
// (Log::swap_segments). False on an I/O error; the log is then unchanged and no `.cleaned` or
// `.swap` file is left.
bool clean_group(Log& log, std::span<const SegmentPtr> group, const KeyOffsetMap& map,
                 int64_t now_ms, CleanStats& stats);

}  // namespace gregor::storage
