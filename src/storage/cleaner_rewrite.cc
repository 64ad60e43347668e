// Rewriting segments for the cleaner; the contract is in cleaner_rewrite.h and cleaner.h.
#include "storage/cleaner_rewrite.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "protocol/records.h"

namespace gregor::storage {

namespace {

using protocol::BatchHeader;
constexpr size_t kMaxDecompressed = 64 << 20;
constexpr size_t kWriteChunk = 1 << 20;  // cleaned batches are written in chunks of this

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

struct BatchCleaning {
  const KeyOffsetMap& map;
  int64_t now_ms;
  int64_t delete_retention_ms;
  CleanedWriter& writer;
  CleanStats& stats;
};

// KIP-534: a tombstone survives until its batch's delete horizon has passed. A batch gets its
// horizon (now + delete.retention.ms) the first time the cleaner keeps a tombstone of it, so
// every consumer that far behind has had delete.retention.ms to see the tombstone.
bool tombstone_expired(const BatchHeader& header, int64_t now_ms) {
  return header.has_delete_horizon() && now_ms >= header.first_timestamp;
}

// What survives of one batch, written through `context.writer`.
bool clean_batch(const BatchHeader& header, protocol::ByteView bytes, BatchCleaning& context) {
  if (header.is_control()) {
    context.stats.records_kept += header.record_count;
    return context.writer.add(bytes, header, context.now_ms);
  }
  std::vector<uint8_t> scratch;
  protocol::RecordIterator records;
  if (records.reset(bytes, scratch, kMaxDecompressed) != ErrorCode::kNone) return false;
  std::vector<protocol::RecordInput> kept;
  std::vector<std::vector<protocol::HeaderView>> headers;  // storage for kept records' headers
  headers.reserve(static_cast<size_t>(std::max(header.record_count, 0)));
  protocol::RecordView record;
  int32_t read = 0;
  bool keeps_tombstone = false;
  while (records.next(record)) {
    ++read;
    if (record.key) {
      if (record.offset < context.map.get(*record.key)) continue;  // a later record has the key
      if (!record.value) {
        if (tombstone_expired(header, context.now_ms)) continue;
        keeps_tombstone = true;
      }
    }
    headers.push_back(record.headers);
    kept.push_back({record.timestamp, record.key, record.value, headers.back(),
                    static_cast<int32_t>(record.offset - header.base_offset)});
  }
  if (records.error() != ErrorCode::kNone) return false;
  context.stats.records_read += read;
  context.stats.records_kept += static_cast<int64_t>(kept.size());
  if (kept.empty()) return true;
  const bool needs_horizon = keeps_tombstone && !header.has_delete_horizon();
  int64_t horizon = -1;
  if (header.has_delete_horizon()) horizon = header.first_timestamp;
  if (needs_horizon) horizon = context.now_ms + context.delete_retention_ms;
  if (keeps_tombstone) {
    context.stats.latest_delete_horizon = std::max(context.stats.latest_delete_horizon, horizon);
  }
  if (static_cast<int32_t>(kept.size()) == read && !needs_horizon) {
    return context.writer.add(bytes, header, context.now_ms);
  }
  protocol::BatchOptions options{.compression = header.compression(),
                                 .base_offset = header.base_offset,
                                 .partition_leader_epoch = header.partition_leader_epoch,
                                 .timestamp_type = header.timestamp_type(),
                                 .producer_id = header.producer_id,
                                 .producer_epoch = header.producer_epoch,
                                 .base_sequence = header.base_sequence,
                                 .transactional = header.is_transactional(),
                                 .delete_horizon_ms = horizon};
  std::vector<uint8_t> rebuilt;
  if (protocol::encode_batch(kept, options, rebuilt) != ErrorCode::kNone) return false;
  return context.writer.add(rebuilt, *protocol::parse_batch_header(rebuilt), context.now_ms);
}

void remove_paths(Env& env, const std::string& dir, int64_t base, const char* suffix) {
  for (std::string_view kind : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix})
    env.unlink(segment_file_path(dir, base, kind) + suffix);
}

// Writes the cleaned copy of `group` as `<base>.*.cleaned`, complete and fsync'ed.
bool write_cleaned(Env& env, const std::string& dir, std::span<const SegmentPtr> group,
                   const LogConfig& config, const KeyOffsetMap& map, int64_t now_ms,
                   CleanStats& stats) {
  std::unique_ptr<Segment> cleaned =
      Segment::create(dir, group.front()->base_offset(), config, kCleanedSuffix, env);
  if (!cleaned) return false;
  CleanedWriter writer(*cleaned);
  BatchCleaning context{map, now_ms, config.delete_retention_ms, writer, stats};
  std::vector<uint8_t> buffer;
  bool ok = true;
  for (const SegmentPtr& segment : group) {
    ok = ok && for_each_batch(*segment, buffer, [&](const BatchHeader& header, auto bytes) {
           return clean_batch(header, bytes, context);
         });
    stats.bytes_read += segment->size();
  }
  ok = ok && writer.flush(now_ms) && cleaned->seal() && cleaned->flush();
  stats.bytes_written += cleaned->size();
  return ok;
}

}  // namespace

bool clean_group(Log& log, std::span<const SegmentPtr> group, const KeyOffsetMap& map,
                 int64_t now_ms, CleanStats& stats) {
  Env& env = log.env();
  const std::string dir = log.dir();
  const int64_t base = group.front()->base_offset();
  bool ok = write_cleaned(env, dir, group, log.config(), map, now_ms, stats);
  // `.log.swap` last: its presence is what tells recovery the cleaned segment is complete.
  for (std::string_view kind : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix}) {
    const std::string path = segment_file_path(dir, base, kind);
    ok = ok && env.rename(path + kCleanedSuffix, path + kSwapSuffix) == 0;
  }
  const SwapOutcome swapped =
      ok && sync_dir(env, dir) ? log.swap_segments(group, now_ms) : SwapOutcome::kRefused;
  if (swapped == SwapOutcome::kFailed) return false;  // half renamed: recovery completes it
  if (swapped == SwapOutcome::kRefused) {
    remove_paths(env, dir, base, kSwapSuffix);
    remove_paths(env, dir, base, kCleanedSuffix);
    return false;
  }
  stats.segments += static_cast<int64_t>(group.size());
  ++stats.cleaned_segments;
  return true;
}

}  // namespace gregor::storage
