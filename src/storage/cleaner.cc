// One compaction pass over one log; the contract is in cleaner.h.
#include "storage/cleaner.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "protocol/records.h"
#include "storage/cleaner_rewrite.h"

namespace gregor::storage {

namespace {

using protocol::BatchHeader;
constexpr size_t kMaxDecompressed = 64 << 20;

// The next segment's base offset (the log end of the active one: never used here).
int64_t end_of(const std::vector<SegmentPtr>& list, size_t i) {
  return i + 1 < list.size() ? list[i + 1]->base_offset() : list[i]->next_offset();
}

// Step 1: maps the keys of the dirty segments. Returns the offset below which every dirty
// segment was mapped whole (the segments below it may be rewritten).
int64_t build_map(const std::vector<SegmentPtr>& list, const CleanableRange& range,
                  KeyOffsetMap& map, CleanStats& stats) {
  map.clear();
  int64_t mapped_upto = range.first_dirty;
  std::vector<uint8_t> buffer, scratch;
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    const Segment& segment = *list[i];
    if (segment.base_offset() < range.first_dirty) continue;
    if (end_of(list, i) > range.end) break;
    bool full = false;
    const bool ok = for_each_batch(segment, buffer, [&](const BatchHeader& h, auto bytes) {
      if (h.is_control()) return true;
      const ErrorCode error = protocol::for_each_record(
          bytes, scratch, kMaxDecompressed, [&](const protocol::RecordView& record) {
            if (record.key && !full && !map.put(*record.key, record.offset)) full = true;
          });
      return error == ErrorCode::kNone && !full;
    });
    if (full) {
      spdlog::warn("{}: cleaner key map full ({} keys); cleaning below offset {} this time",
                   segment.log_path(), map.size(), mapped_upto);
      break;
    }
    if (!ok) {
      spdlog::error("{}: cannot read a batch; cleaning stops before it", segment.log_path());
      break;
    }
    mapped_upto = end_of(list, i);
  }
  stats.map_keys = static_cast<int64_t>(map.size());
  stats.map_memory_bytes = map.memory_bytes();
  return mapped_upto;
}

// Kafka's grouping: adjacent segments (from `from`, wholly below `upto`) join a group while
// its total log size stays within segment.bytes, each index's within segment.index.bytes, and
// its offsets within an int32 of the first base. The group is cleaned into one segment.
std::vector<std::span<const SegmentPtr>> group_segments(const std::vector<SegmentPtr>& list,
                                                        size_t from, int64_t upto,
                                                        const LogConfig& config) {
  size_t end = from;  // one past the last segment to rewrite
  while (end + 1 < list.size() && end_of(list, end) <= upto)
    ++end;
  std::vector<std::span<const SegmentPtr>> groups;
  for (size_t first = from; first < end;) {
    int64_t log_bytes = list[first]->size();
    int64_t offset_index_bytes = list[first]->offset_index_bytes();
    int64_t time_index_bytes = list[first]->time_index_bytes();
    size_t next = first + 1;
    for (; next < end; ++next) {
      log_bytes += list[next]->size();
      offset_index_bytes += list[next]->offset_index_bytes();
      time_index_bytes += list[next]->time_index_bytes();
      const int64_t offset_span = end_of(list, next) - 1 - list[first]->base_offset();
      if (log_bytes > config.segment_bytes || offset_index_bytes > config.segment_index_bytes ||
          time_index_bytes > config.segment_index_bytes ||
          offset_span > std::numeric_limits<int32_t>::max()) {
        break;
      }
    }
    groups.emplace_back(list.data() + first, next - first);
    first = next;
  }
  return groups;
}

}  // namespace

CleanableRange cleanable_range(const Log& log, int64_t first_dirty, int64_t now_ms) {
  CleanableRange range;
  const auto list = log.segment_snapshot();
  const LogConfig config = log.config();
  range.end = list.back()->base_offset();
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    if (now_ms - list[i]->max_timestamp() < config.min_compaction_lag_ms) {
      range.end = list[i]->base_offset();
      break;
    }
  }
  range.first_dirty = std::clamp(first_dirty, list.front()->base_offset(), range.end);
  int64_t oldest_dirty = -1;  // first timestamp of the first dirty segment
  for (size_t i = 0; i + 1 < list.size() && list[i]->base_offset() < range.end; ++i) {
    if (end_of(list, i) <= range.first_dirty) {
      range.clean_bytes += list[i]->size();
      continue;
    }
    if (list[i]->base_offset() < range.first_dirty) range.first_dirty = list[i]->base_offset();
    range.dirty_bytes += list[i]->size();
    if (oldest_dirty < 0) {
      if (auto header = list[i]->read_header(0, list[i]->size())) {
        oldest_dirty = header->first_record_timestamp().value_or(-1);
      }
    }
  }
  range.due = range.dirty_bytes > 0 &&
              (range.dirty_ratio() >= config.min_cleanable_dirty_ratio ||
               (oldest_dirty >= 0 && now_ms - oldest_dirty > config.max_compaction_lag_ms));
  return range;
}

CleanStats clean_log(Log& log, const CleanableRange& range, KeyOffsetMap& map, int64_t now_ms,
                     const std::atomic<bool>* stop) {
  CleanStats stats;
  const auto list = log.segment_snapshot();
  stats.cleaned_upto = range.first_dirty;
  const int64_t upto = build_map(list, range, map, stats);
  const int64_t start = log.log_start_offset();
  size_t from = 0;  // segments wholly below the log start are left to retention
  while (from + 1 < list.size() && list[from]->next_offset() <= start)
    ++from;
  for (const auto& group : group_segments(list, from, upto, log.config())) {
    if (stop && stop->load()) return stats;  // cleaned_upto stays: the next pass redoes it
    if (!clean_group(log, group, map, now_ms, stats)) {
      stats.error = ErrorCode::kKafkaStorageError;
      return stats;
    }
  }
  stats.cleaned_upto = upto;
  return stats;
}

}  // namespace gregor::storage
