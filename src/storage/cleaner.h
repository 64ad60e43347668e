// One compaction pass over one log (Kafka's Cleaner): the work of a log cleaner thread, without
// the thread (see log_cleaner.h), so tests and the benchmark drive it directly.
//
// The cleanable part of a log is [log start, end): end is the active segment's base, or the
// base of the first segment holding a record younger than min.compaction.lag.ms, if earlier.
// Of it, [first_dirty, end) is dirty (not yet cleaned). A pass:
//   1. maps every key of the dirty segments to its latest offset (KeyOffsetMap; when the map fills
//      up, the pass ends at the last segment mapped whole);
//   2. rewrites every segment below that point, in groups of adjacent segments whose total
//      size fits segment.bytes and whose indexes fit segment.index.bytes (each group becomes
//      one segment, so repeated passes do not leave ever smaller segments). A record is kept
//      when its key is unmapped or it is the latest for its key; a tombstone (null value) is
//      dropped once its batch's delete horizon (KIP-534) has passed, and a batch that keeps a
//      tombstone and has no horizon yet gets now + delete.retention.ms; keyless records and
//      control batches are kept. Offsets never change: a batch that lost records (or gets a
//      horizon) is rebuilt with its base offset, offset deltas, codec, producer fields and
//      attributes; a batch that lost none is copied byte for byte; one that lost all is
//      dropped (cleaner_rewrite.cc);
//   3. swaps each rewritten group in crash-safely: `.cleaned` files, fsync'ed, renamed `.swap`,
//      then, under the log's lock, the group's other segments renamed `.deleted` and the swap
//      files renamed over the first one's (Log::swap_segments; recovery in log_loader.cc).
//
// Threads: a pass runs on a cleaner thread, concurrently with appends, reads and retention on
// the same log; it never touches the active segment. Two passes on one log must not overlap
// (LogCleaner ensures it).
#pragma once

#include <atomic>
#include <cstdint>

#include "common/error_code.h"
#include "storage/key_offset_map.h"
#include "storage/log.h"

namespace gregor::storage {

struct CleanableRange {
  int64_t first_dirty = 0;  // clamped into [first segment base, end]
  int64_t end = 0;          // first offset that may not be cleaned
  int64_t clean_bytes = 0;  // bytes of segments below first_dirty
  int64_t dirty_bytes = 0;  // bytes of segments in [first_dirty, end)
  double dirty_ratio() const {
    const int64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(dirty_bytes) / static_cast<double>(total);
  }
  // min.cleanable.dirty.ratio reached, or a dirty record waited max.compaction.lag.ms.
  bool due = false;
};

// Where a pass on `log` would work, given the offset below which the last pass cleaned
// (`first_dirty`; 0 before the first pass).
CleanableRange cleanable_range(const Log& log, int64_t first_dirty, int64_t now_ms);

struct CleanStats {
  ErrorCode error = ErrorCode::kNone;
  int64_t cleaned_upto = 0;      // the next pass's first_dirty
  int64_t segments = 0;          // rewritten
  int64_t cleaned_segments = 0;  // written: `segments` less those merged into another
  int64_t bytes_read = 0;        // of the segments rewritten
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  // The latest delete horizon of the tombstones the pass kept, -1 if it kept none: once it has
  // passed, another pass would remove them all.
  int64_t latest_delete_horizon = -1;
  int64_t map_keys = 0;
  int64_t map_memory_bytes = 0;
};

// Runs one pass over `range` (from cleanable_range). `stop`, if given, is checked between
// groups: a pass stopped early leaves every segment either cleaned or untouched.
CleanStats clean_log(Log& log, const CleanableRange& range, KeyOffsetMap& map, int64_t now_ms,
                     const std::atomic<bool>* stop = nullptr);

}  // namespace gregor::storage
