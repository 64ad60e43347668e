// Segment: the read side. Runs on any thread, concurrently with appends: every scan is bounded
// by a size() loaded once, so it only sees batches that were completely written.
#include "storage/segment.h"

#include <algorithm>
#include <array>

#include "protocol/records.h"
#include "storage/file_util.h"

namespace gregor::storage {

using protocol::BatchHeader;
using protocol::kBatchHeaderSize;

std::optional<BatchHeader> Segment::read_header(int64_t position, int64_t end) const {
  if (end - position < static_cast<int64_t>(kBatchHeaderSize)) return std::nullopt;
  std::array<uint8_t, kBatchHeaderSize> bytes;
  if (pread_full(env_, file_->fd(), bytes.data(), bytes.size(), position) !=
      static_cast<int64_t>(bytes.size())) {
    return std::nullopt;
  }
  auto header = protocol::parse_batch_header(bytes);
  if (!header || header->magic != protocol::kMagicV2) return std::nullopt;
  if (position + static_cast<int64_t>(header->total_size()) > end) return std::nullopt;
  return header;
}

std::optional<Segment::Located> Segment::find(int64_t offset, int64_t end) const {
  int64_t position = offset_index_->lookup(offset).position;
  while (auto header = read_header(position, end)) {
    if (header->last_offset() >= offset) return Located{position, *header};
    position += static_cast<int64_t>(header->total_size());
  }
  return std::nullopt;
}

Segment::ReadOutcome Segment::read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                                   int64_t max_offset_exclusive) const {
  ReadOutcome outcome;
  const int64_t end = size();
  const int64_t end_offset = next_offset();  // loaded after size(): at least as recent
  const auto first = find(offset, end);
  if (!first) return outcome;
  outcome.found = true;
  const int64_t start = first->position;
  int64_t stop = start;
  // Fast path (a consumer at the tail): everything to the end is visible and fits.
  if (end_offset <= max_offset_exclusive && end - start <= max_bytes) {
    stop = end;
  } else {
    std::optional<BatchHeader> header = first->header;
    // Skip the headers of the batches the index already vouches for: those before the last
    // indexed batch within max_bytes, when that batch's last offset is visible. Without this a
    // 1 MB fetch of 1 KB batches costs a thousand preads.
    const OffsetIndex::Entry skip =
        offset_index_->lookup_position(std::min(end, start + max_bytes));
    if (skip.position > start && skip.offset <= max_offset_exclusive) {
      stop = skip.position;
      header = read_header(stop, end);
    }
    while (header && header->last_offset() < max_offset_exclusive) {
      const int64_t next = stop + static_cast<int64_t>(header->total_size());
      if (next - start > max_bytes) {
        if (stop == start && min_one_batch) stop = next;
        break;
      }
      stop = next;
      header = read_header(stop, end);
    }
  }
  if (stop > start) {
    outcome.slice = protocol::FileSlice{file_, start, static_cast<int32_t>(stop - start)};
  }
  return outcome;
}

// Within the batch at `position`, the first record at or after `timestamp` and
// `starting_offset`. Records keep their own timestamps inside a (possibly compressed) batch, so
// this decodes it; only ListOffsets by time gets here, never the produce or fetch path.
std::optional<std::pair<int64_t, int64_t>> Segment::find_record_by_timestamp(
    int64_t position, const BatchHeader& header, int64_t timestamp, int64_t starting_offset) const {
  constexpr size_t kMaxDecompressed = 64 << 20;
  std::vector<uint8_t> batch(header.total_size());
  if (pread_full(env_, file_->fd(), batch.data(), batch.size(), position) !=
      static_cast<int64_t>(batch.size())) {
    return std::nullopt;
  }
  std::vector<uint8_t> scratch;
  protocol::RecordIterator records;
  if (records.reset(batch, scratch, kMaxDecompressed) != ErrorCode::kNone) return std::nullopt;
  protocol::RecordView record;
  while (records.next(record)) {
    if (record.timestamp >= timestamp && record.offset >= starting_offset) {
      return std::make_pair(record.offset, record.timestamp);
    }
  }
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> Segment::find_timestamp(int64_t timestamp,
                                                                   int64_t starting_offset) const {
  const int64_t end = size();
  const TimeIndex::Entry hint = time_index_->lookup(timestamp);
  int64_t position = offset_index_->lookup(std::max(hint.offset, starting_offset)).position;
  while (auto header = read_header(position, end)) {
    if (header->max_timestamp >= timestamp && header->last_offset() >= starting_offset) {
      if (auto exact = find_record_by_timestamp(position, *header, timestamp, starting_offset)) {
        return exact;
      }
      // An undecodable batch still bounds the answer: report it at batch granularity.
      return std::make_pair(std::max(header->base_offset, starting_offset), header->max_timestamp);
    }
    position += static_cast<int64_t>(header->total_size());
  }
  return std::nullopt;
}

}  // namespace gregor::storage
