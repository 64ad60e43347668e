// One compaction pass over one log; the contract is in cleaner.h.
#include "storage/cleaner.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "protocol/records.h"
#include "storage/file_util.h"

namespace gregor::storage {

namespace {

using protocol::BatchHeader;
using SegmentPtr = std::shared_ptr<Segment>;
constexpr size_t kMaxDecompressed = 64 << 20;
constexpr size_t kWriteChunk = 1 << 20;  // cleaned batches are written in chunks of this

// Calls fn(header, batch bytes) for every whole batch of `segment`; false on a read error.
template <typename Fn>
bool for_each_batch(const Segment& segment, std::vector<uint8_t>& buffer, Fn&& fn) {
  const int64_t end = segment.size();
  int64_t position = 0;
  while (auto header = segment.read_header(position, end)) {
    buffer.resize(header->total_size());
    if (pread_full(segment.file()->fd(), buffer.data(), buffer.size(), position) !=
        static_cast<int64_t>(buffer.size())) {
      return false;
    }
    if (!fn(*header, protocol::ByteView(buffer))) return false;
    position += static_cast<int64_t>(header->total_size());
  }
  return true;
}

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

// Appends batches to the cleaned segment in chunks.
class CleanedWriter {
 public:
  explicit CleanedWriter(Segment& out) : out_(out) {}
  bool add(protocol::ByteView batch, const BatchHeader& header, int64_t now_ms) {
    metas_.push_back({header.base_offset, header.last_offset(), header.max_timestamp,
                      static_cast<int64_t>(batch.size())});
    bytes_.insert(bytes_.end(), batch.begin(), batch.end());
    return bytes_.size() < kWriteChunk || flush(now_ms);
  }
  bool flush(int64_t now_ms) {
    if (metas_.empty()) return true;
    const bool ok = out_.append(bytes_, metas_, now_ms) == ErrorCode::kNone;
    bytes_.clear();
    metas_.clear();
    return ok;
  }

 private:
  Segment& out_;
  std::vector<uint8_t> bytes_;
  std::vector<BatchMeta> metas_;
};

// Step 2 for one batch: what survives of it, written through `writer`.
bool clean_batch(const BatchHeader& header, protocol::ByteView bytes, const KeyOffsetMap& map,
                 bool drop_tombstones, CleanedWriter& writer, CleanStats& stats, int64_t now_ms) {
  if (header.is_control()) {
    stats.records_kept += header.record_count;
    return writer.add(bytes, header, now_ms);
  }
  std::vector<uint8_t> scratch;
  protocol::RecordIterator records;
  if (records.reset(bytes, scratch, kMaxDecompressed) != ErrorCode::kNone) return false;
  std::vector<protocol::RecordInput> kept;
  std::vector<std::vector<protocol::HeaderView>> headers;  // storage for kept records' headers
  headers.reserve(static_cast<size_t>(std::max(header.record_count, 0)));
  protocol::RecordView record;
  int32_t read = 0;
  while (records.next(record)) {
    ++read;
    if (record.key) {
      if (record.offset < map.get(*record.key)) continue;  // a later record has this key
      if (!record.value && drop_tombstones) continue;
    }
    headers.push_back(record.headers);
    kept.push_back({record.timestamp, record.key, record.value, headers.back(),
                    static_cast<int32_t>(record.offset - header.base_offset)});
  }
  if (records.error() != ErrorCode::kNone) return false;
  stats.records_read += read;
  stats.records_kept += static_cast<int64_t>(kept.size());
  if (kept.empty()) return true;
  if (static_cast<int32_t>(kept.size()) == read) return writer.add(bytes, header, now_ms);
  protocol::BatchOptions options{.compression = header.compression(),
                                 .base_offset = header.base_offset,
                                 .partition_leader_epoch = header.partition_leader_epoch,
                                 .timestamp_type = header.timestamp_type(),
                                 .producer_id = header.producer_id,
                                 .producer_epoch = header.producer_epoch,
                                 .base_sequence = header.base_sequence,
                                 .transactional = header.is_transactional()};
  std::vector<uint8_t> rebuilt;
  if (protocol::encode_batch(kept, options, rebuilt) != ErrorCode::kNone) return false;
  return writer.add(rebuilt, *protocol::parse_batch_header(rebuilt), now_ms);
}

void remove_paths(const std::string& dir, int64_t base, const char* suffix) {
  for (std::string_view kind : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix})
    ::remove((segment_file_path(dir, base, kind) + suffix).c_str());
}

// Steps 2 and 3 for one segment. False on an I/O error (the segment is left as it was).
bool clean_segment(Log& log, const SegmentPtr& segment, const KeyOffsetMap& map, int64_t now_ms,
                   CleanStats& stats) {
  const LogConfig config = log.config();
  const std::string dir = log.dir();
  const int64_t base = segment->base_offset();
  const bool drop_tombstones = now_ms - segment->max_timestamp() > config.delete_retention_ms;
  std::unique_ptr<Segment> cleaned = Segment::create(dir, base, config, kCleanedSuffix);
  if (!cleaned) return false;
  CleanedWriter writer(*cleaned);
  std::vector<uint8_t> buffer;
  bool ok = for_each_batch(*segment, buffer, [&](const BatchHeader& header, auto bytes) {
    return clean_batch(header, bytes, map, drop_tombstones, writer, stats, now_ms);
  });
  ok = ok && writer.flush(now_ms) && cleaned->seal() && cleaned->flush();
  stats.bytes_read += segment->size();
  stats.bytes_written += cleaned->size();
  cleaned.reset();
  if (!ok) {
    remove_paths(dir, base, kCleanedSuffix);
    return false;
  }
  // `.log.swap` last: its presence is what tells recovery the cleaned segment is complete.
  for (std::string_view kind : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix}) {
    const std::string path = segment_file_path(dir, base, kind);
    ok = ok && std::rename((path + kCleanedSuffix).c_str(), (path + kSwapSuffix).c_str()) == 0;
  }
  if (!ok || !fsync_dir(dir) || !log.swap_segment(segment, now_ms)) {
    remove_paths(dir, base, kSwapSuffix);
    remove_paths(dir, base, kCleanedSuffix);
    return false;
  }
  ++stats.segments;
  return true;
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
        oldest_dirty = header->first_timestamp;
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
  for (size_t i = 0; i + 1 < list.size() && end_of(list, i) <= upto; ++i) {
    if (stop && stop->load()) return stats;         // cleaned_upto stays: the next pass redoes it
    if (list[i]->next_offset() <= start) continue;  // retention removes it
    if (!clean_segment(log, list[i], map, now_ms, stats)) {
      stats.error = ErrorCode::kKafkaStorageError;
      return stats;
    }
  }
  stats.cleaned_upto = upto;
  return stats;
}

}  // namespace gregor::storage
