// One log segment: `<base>.log` (record batches exactly as appended) with its offset index
// (`.index`) and time index (`.timeindex`). Base offset: no batch in this segment has an offset
// below it, and every batch in earlier segments is below it.
//
// Owned by a Log through shared_ptr: a reader that took a snapshot of the segment list keeps
// the segment (and its file descriptor) alive even if the log deletes or truncates it meanwhile.
//
// Threads. Mutators (append, roll hooks, truncate, recovery) run under the owning Log's append
// mutex, or during Log::open before the log is shared. Readers (read, find, find_timestamp,
// size, next_offset) run concurrently on any thread without locks: size() is published with
// release order after the bytes and index entries of an append are in place, so a reader never
// looks past what was fully written. flush() may run concurrently with appends.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/env.h"
#include "common/error_code.h"
#include "common/file_handle.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"
#include "storage/log_config.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace gregor::storage {

// What a segment needs to know about each appended batch (offsets already assigned).
struct BatchMeta {
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
  int64_t size;
};

class Segment {
 public:
  // Creates empty segment files at `base_offset` (replacing leftovers of that name), with
  // indexes preallocated for appending. nullptr on an I/O error (logged).
  // `suffix` is appended to every file name (".cleaned" for the cleaner's output; see
  // docs/formats/log-segments.md, "Cleaning").
  static std::unique_ptr<Segment> create(const std::string& dir, int64_t base_offset,
                                         const LogConfig& config, std::string_view suffix = {},
                                         Env& env = Env::posix());
  // Opens existing files (missing indexes are created empty). The segment's offsets and
  // timestamps are unknown until load_state(), recover() or rebuild_indexes() ran.
  static std::unique_ptr<Segment> open(const std::string& dir, int64_t base_offset,
                                       const LogConfig& config, Env& env = Env::posix());
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  // Bytes of complete batches; readers never look past this.
  int64_t size() const { return size_.load(std::memory_order_acquire); }
  // One past the last offset stored (base_offset when empty). Load after size() when both are
  // needed: it is at least as recent.
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  // Largest batch max timestamp stored, -1 if none.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  const SharedFile& file() const { return file_; }
  Env& env() const { return env_; }
  // Bytes of index entries in use (what a sealed segment's index files hold).
  int64_t offset_index_bytes() const {
    return offset_index_->file().entries() * static_cast<int64_t>(OffsetIndex::kEntrySize);
  }
  int64_t time_index_bytes() const {
    return time_index_->file().entries() * static_cast<int64_t>(TimeIndex::kEntrySize);
  }
  const std::string& log_path() const { return log_path_; }

  // ---- writer side (under the Log's append mutex) ----

  // True when `batch_count` batches of `bytes` ending at `last_offset` must go to a new segment:
  // this one is not empty and the bytes would take it past segment.bytes, or it is older than
  // segment.ms, or an index could fill up, or last_offset is too far from the base to be
  // stored as a relative offset.
  bool should_roll(int64_t bytes, int64_t batch_count, int64_t last_offset, int64_t now_ms,
                   const LogConfig& config) const;
  // Writes `payload` (the batches described by `batches`, back to back) with one pwrite at the
  // end of the file and indexes them. kKafkaStorageError if the write failed (the segment is
  // unchanged).
  ErrorCode append(protocol::ByteView payload, std::span<const BatchMeta> batches, int64_t now_ms);
  // On roll and close: final time index entry, indexes trimmed to their entries.
  bool seal();
  // Makes a sealed segment appendable again (indexes preallocated).
  bool unseal();
  // Removes every batch whose last offset is >= `offset`. Returns the bytes removed, -1 on error.
  int64_t truncate_to(int64_t offset, int64_t now_ms);
  // Unlinks the three files. Open descriptors (readers' slices) stay readable.
  bool remove_files();
  // The paths of the three files (.log, .index, .timeindex).
  std::vector<std::string> file_paths() const;

  // ---- readers (any thread) ----

  // The header of the batch at `position`, if a whole header lies below `end`.
  std::optional<protocol::BatchHeader> read_header(int64_t position, int64_t end) const;
  struct Located {
    int64_t position;
    protocol::BatchHeader header;
  };
  // The first batch (below `end`) whose last offset is >= `offset`: index lookup, then a scan
  // of batch headers.
  std::optional<Located> find(int64_t offset, int64_t end) const;
  // Whole batches from the one holding `offset`: only batches whose last offset is below
  // `max_offset_exclusive`, at most `max_bytes` in total unless `min_one_batch` and the first is
  // larger (then exactly that one). nullopt when nothing qualifies or `offset` is past this
  // segment (the caller tries the next one; see Log::read).
  struct ReadOutcome {
    bool found = false;  // a batch at or after `offset` exists in this segment
    std::optional<protocol::FileSlice> slice;
  };
  ReadOutcome read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                   int64_t max_offset_exclusive) const;
  // The first record whose timestamp is >= `timestamp` and whose offset is >=
  // `starting_offset`: {offset, timestamp}. Found through the time index and the batches' max
  // timestamps, then by decoding the one batch that holds it.
  std::optional<std::pair<int64_t, int64_t>> find_timestamp(int64_t timestamp,
                                                            int64_t starting_offset) const;
  std::optional<std::pair<int64_t, int64_t>> find_record_by_timestamp(
      int64_t position, const protocol::BatchHeader& header, int64_t timestamp,
      int64_t starting_offset) const;

  // fdatasync of the log, then (with_indexes) of both indexes.
  bool flush(bool with_indexes = true) const;

  // ---- loading and recovery (Log::open, before the log is shared) ----

  // Kafka's cheap index sanity checks (see OffsetIndex::sane, TimeIndex::sane).
  bool indexes_sane() const;
  // For a trusted segment with sane indexes: finds the next offset and max timestamp from the
  // last index entries and a scan of the batch headers after them. False if a header is bad.
  bool load_state(int64_t now_ms);
  // For a trusted segment whose indexes are missing or corrupt: rebuilds both from a scan of
  // the batch headers (no CRC check, no truncation).
  bool rebuild_indexes(int64_t now_ms);
  // Full recovery: checks every batch from the start (whole header, magic 2, fully present,
  // offsets increasing and above the base, CRC32C), truncates the file at the first bad one and
  // rebuilds both indexes. Returns the bytes truncated, -1 on an I/O error.
  int64_t recover(int64_t now_ms);

 private:
  Segment(Env& env, std::string dir, int64_t base_offset, std::string log_path,
          const LogConfig& config, SharedFile file, std::unique_ptr<OffsetIndex> offset_index,
          std::unique_ptr<TimeIndex> time_index);
  static std::unique_ptr<Segment> open_files(Env& env, const std::string& dir, int64_t base_offset,
                                             const LogConfig& config, bool truncate,
                                             std::string_view suffix);
  // Index bookkeeping for one batch at `position` (append and rebuild share it).
  // Before an append ending at `end`: allocates the file's blocks some way past it.
  void reserve_ahead(int64_t end);
  void index_batch(const BatchMeta& batch, int64_t position);
  void reset_state();
  // Scans batches from `position`, indexing each; stops at the first one failing the checks
  // (CRC included when `verify`). Returns the end of the last good batch, -1 on I/O error.
  int64_t scan(int64_t position, int64_t end, bool verify);
  void set_roll_base(int64_t first_batch_timestamp, int64_t now_ms);

  Env& env_;
  const std::string dir_;
  const int64_t base_offset_;
  const int32_t index_interval_bytes_;
  const std::string log_path_;
  SharedFile file_;
  std::unique_ptr<OffsetIndex> offset_index_;
  std::unique_ptr<TimeIndex> time_index_;

  std::atomic<int64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  // Writer-only state.
  int64_t offset_of_max_timestamp_;
  int64_t bytes_since_index_entry_ = 0;
  int64_t reserved_end_ = 0;   // the file's blocks are allocated up to here (under the append lock)
  int64_t roll_base_ms_ = -1;  // time of the first append (see set_roll_base); -1 when empty
  // Subtracted from segment.ms for this segment: random in [0, segment.jitter.ms), so that
  // segments of many partitions created together do not all roll at once.
  int64_t roll_jitter_ms_ = 0;
};

}  // namespace gregor::storage
