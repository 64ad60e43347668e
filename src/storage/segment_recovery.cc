// Segment: loading and recovery. Runs only inside Log::open (and Segment::truncate_to, under
// the append mutex), before readers can see the segment's new state.
#include "storage/segment.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include <spdlog/spdlog.h>

#include "storage/file_util.h"

namespace gregor::storage {

using protocol::BatchHeader;
using protocol::kBatchHeaderSize;

namespace {

enum class Read { kOk, kBad, kIoError };

// Reads and checks the header at `position`: whole header, magic 2, batch fully below `end`.
Read read_checked_header(Env& env, int fd, int64_t position, int64_t end, BatchHeader& out) {
  if (end - position < static_cast<int64_t>(kBatchHeaderSize)) return Read::kBad;
  std::array<uint8_t, kBatchHeaderSize> bytes;
  const int64_t n = pread_full(env, fd, bytes.data(), bytes.size(), position);
  if (n < 0) return Read::kIoError;
  if (n != static_cast<int64_t>(bytes.size())) return Read::kBad;
  auto header = protocol::parse_batch_header(bytes);
  if (!header || header->magic != protocol::kMagicV2) return Read::kBad;
  if (position + static_cast<int64_t>(header->total_size()) > end) return Read::kBad;
  out = *header;
  return Read::kOk;
}

}  // namespace

void Segment::reset_state() {
  next_offset_.store(base_offset_, std::memory_order_release);
  max_timestamp_.store(-1, std::memory_order_release);
  offset_of_max_timestamp_ = base_offset_;
  bytes_since_index_entry_ = 0;
  roll_base_ms_ = -1;
}

void Segment::set_roll_base(int64_t first_batch_timestamp, int64_t now_ms) {
  // A reloaded segment ages from its first batch's timestamp, as in Kafka; a timestamp from
  // the future (a producer's clock) falls back to the load time.
  const bool usable = first_batch_timestamp >= 0 && first_batch_timestamp <= now_ms;
  roll_base_ms_ = usable ? first_batch_timestamp : now_ms;
}

int64_t Segment::scan(int64_t position, int64_t end, bool verify) {
  std::vector<uint8_t> batch;
  int64_t previous_last = base_offset_ - 1;
  for (;;) {
    BatchHeader h;
    const Read read = read_checked_header(env_, file_->fd(), position, end, h);
    if (read == Read::kIoError) return -1;
    if (read == Read::kBad) break;
    if (h.base_offset < base_offset_ || h.base_offset <= previous_last || h.last_offset_delta < 0 ||
        h.last_offset() - base_offset_ > std::numeric_limits<int32_t>::max()) {
      break;
    }
    const auto total = static_cast<int64_t>(h.total_size());
    if (verify) {
      batch.resize(static_cast<size_t>(total));
      const int64_t n = pread_full(env_, file_->fd(), batch.data(), batch.size(), position);
      if (n < 0) return -1;
      if (n != total || !protocol::batch_crc_ok(batch)) break;
    }
    if (position == 0) set_roll_base(h.max_timestamp, roll_base_ms_);
    index_batch({h.base_offset, h.last_offset(), h.max_timestamp, total}, position);
    previous_last = h.last_offset();
    position += total;
  }
  return position;
}

bool Segment::indexes_sane() const {
  const bool missing = offset_index_->file().created() || time_index_->file().created();
  if (missing && size() > 0) return false;
  return offset_index_->sane(size()) && time_index_->sane();
}

bool Segment::load_state(int64_t now_ms) {
  reset_state();
  roll_base_ms_ = now_ms;  // scan() refines it from the first batch, if it starts there
  if (const auto last = time_index_->last_entry()) {
    max_timestamp_.store(last->timestamp, std::memory_order_release);
    offset_of_max_timestamp_ = last->offset;
  }
  const auto last = offset_index_->last_entry();
  const int64_t end = size();
  const int64_t good = scan(last ? last->position : 0, end, /*verify=*/false);
  if (good != end) return false;
  if (end == 0) {
    roll_base_ms_ = -1;
  } else if (last) {
    BatchHeader first;
    if (read_checked_header(env_, file_->fd(), 0, end, first) != Read::kOk) return false;
    set_roll_base(first.max_timestamp, now_ms);
  }
  return true;
}

bool Segment::rebuild_indexes(int64_t now_ms) {
  offset_index_->reset();
  time_index_->reset();
  reset_state();
  roll_base_ms_ = now_ms;
  const int64_t end = size();
  if (!offset_index_->file().grow() || !time_index_->file().grow()) return false;
  if (scan(0, end, /*verify=*/false) != end) return false;
  if (end == 0) roll_base_ms_ = -1;
  return true;
}

int64_t Segment::recover(int64_t now_ms) {
  offset_index_->reset();
  time_index_->reset();
  reset_state();
  roll_base_ms_ = now_ms;
  const int64_t end = file_size(file_->fd());
  if (end < 0 || !offset_index_->file().grow() || !time_index_->file().grow()) return -1;
  const int64_t good = scan(0, end, /*verify=*/true);
  if (good < 0) return -1;
  if (good < end) {
    spdlog::warn("{}: invalid or incomplete batch at byte {}; truncating {} bytes", log_path_, good,
                 end - good);
    if (env_.ftruncate(file_->fd(), good) != 0) {
      spdlog::error("cannot truncate {}: {}", log_path_, std::strerror(errno));
      return -1;
    }
  }
  size_.store(good, std::memory_order_release);
  if (good == 0) roll_base_ms_ = -1;
  return end - good;
}

}  // namespace gregor::storage
