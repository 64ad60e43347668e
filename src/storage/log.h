// One partition's log on disk: a directory `<topic>-<partition>` of segments, the last of which
// (the active segment) takes appends. Assigns offsets, rolls segments, serves reads as file
// slices, flushes, truncates and deletes. Format: docs/formats/log-segments.md.
//
// Who calls it: broker::Partition (append/read on network threads), the Flusher thread
// (flush), the LogManager (open, checkpoints, close, delete) and the broker's background thread.
//
// Threads: every method is thread-safe.
//  - Mutations (append, append_as_follower, truncate_to, advance_log_start_offset, close,
//  delete_files) are
//    serialised by the append mutex, which is held across the write.
//  - Readers (read, offset_for_timestamp, the offset getters) never take the append mutex:
//    they copy the segment list under a short list mutex and do their I/O without locks,
//    concurrently with an append. They see only batches whose write has completed.
//  - flush() snapshots the segments to sync and fsyncs them without the append mutex, so
//    appends continue meanwhile; concurrent flushes are serialised among themselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/error_code.h"
#include "protocol/codec.h"
#include "protocol/record_batch.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/segment.h"

namespace gregor::storage {

struct AppendResult {
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 with CreateTime
  int64_t log_start_offset = -1;
};

struct ReadResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<protocol::FileSlice> slice;  // whole batches; absent when there is nothing to send
};

class Log;

// Log::swap_segments: kRefused touched nothing (the caller removes its `.swap` files); kFailed
// stopped half-way on an I/O error, leaving the files for recovery at the next start to finish.
enum class SwapOutcome { kSwapped, kRefused, kFailed };

struct OpenLogResult {
  ErrorCode error = ErrorCode::kNone;
  std::shared_ptr<Log> log;
};

class Log {
 public:
  // Opens (creating if needed) the log in `dir`. With `needs_recovery` (no clean shutdown), the
  // segments holding offsets at or above `recovery_point` are fully checked and their torn or
  // corrupt tails cut (and every later segment dropped); segments wholly below it are trusted,
  // their indexes rebuilt only if missing or corrupt. `log_start_offset` -1: the first
  // segment's base. kKafkaStorageError on an I/O error.
  static OpenLogResult open(const std::string& dir, const LogConfig& config, bool needs_recovery,
                            int64_t recovery_point, int64_t log_start_offset = -1,
                            Env& env = Env::posix());
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends validated batches (back to back in `batches`, one header each in `headers`),
  // rewriting their base offsets and leader epochs in place (and max timestamps with
  // LogAppendTime). Rolls the active segment first if needed. Writes the whole payload with
  // one pwrite.
  // A `leader_epoch` above latest_epoch() starts that epoch at this append's first offset.
  AppendResult append(std::span<uint8_t> batches, const std::vector<protocol::BatchHeader>& headers,
                      int32_t leader_epoch, int64_t now_ms);
  // Appends batches a follower fetched from its leader, validated like produced ones, keeping
  // their offsets, leader epochs and timestamps. Each batch's partition leader epoch above
  // latest_epoch() starts that epoch at the batch's base offset. As in Kafka, offsets may jump
  // forward (a compacted leader log has gaps) but never back: a first batch below the log end
  // (Kafka's UnexpectedAppendOffsetException) or a batch not above the previous one (its
  // OffsetsOutOfOrderException) fails with kUnknownServerError and appends nothing.
  AppendResult append_as_follower(std::span<uint8_t> batches,
                                  const std::vector<protocol::BatchHeader>& headers);

  // Whole batches from the one holding `offset`, within one segment, stopping before any batch
  // that reaches `max_offset_exclusive` (the high watermark), at most `max_bytes` unless
  // `min_one_batch` and the first batch is larger (then exactly that batch).
  // kOffsetOutOfRange when offset < log start or > log end; at the log end: no slice, no error.
  ReadResult read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                  int64_t max_offset_exclusive) const;

  // The first record (from the log start) whose timestamp is >= `timestamp`, as
  // {offset, timestamp}, as Kafka's ListOffsets by time answers.
  std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t timestamp) const;
  // The first record carrying the largest timestamp in the log (ListOffsets' MAX_TIMESTAMP),
  // as {offset, timestamp}; nullopt for an empty log.
  std::optional<std::pair<int64_t, int64_t>> offset_of_max_timestamp() const;

  // What a flush makes durable. kRecords (for acks=all) leaves out the active segment's indexes:
  // recovery after a crash rebuilds them from its records anyway (the active segment is never
  // trusted), so the recovery point only moves up to the active segment's base offset.
  enum class FlushScope { kEverything, kRecords };
  // fsyncs everything appended before the call (and the directory if a segment file was created
  // since the last flush), then advances flushed_offset() and the recovery point. On failure
  // kKafkaStorageError and neither moves. Any thread; appends continue meanwhile.
  ErrorCode flush(FlushScope scope = FlushScope::kEverything);
  // True when flush.messages or flush.ms says a flush is due (the caller runs it off the
  // network threads).
  bool flush_due(int64_t now_ms) const;

  // Removes every offset >= `offset` (follower truncation) and the leader epochs starting
  // there. Below the first segment: the log is emptied (epochs too) and restarts at `offset`.
  ErrorCode truncate_to(int64_t offset);
  // DeleteRecords: offsets below `offset` become unreadable. kOffsetOutOfRange above the end.
  ErrorCode advance_log_start_offset(int64_t offset);
  // Retention (log_retention.cc), for a background thread: removes whole segments from the
  // front of the log, never the active one, while each is wholly below the log start offset
  // or, with cleanup.policy containing delete, older than retention.ms (by its largest
  // timestamp) or not needed to keep the log within retention.bytes. The log start offset
  // moves to the first kept segment. The files are renamed `*.deleted` at once, then unlinked
  // after the new segment list is published; readers holding a segment keep its descriptors.
  // Returns the number of segments removed (-1 on an I/O error).
  int delete_expired_segments(int64_t now_ms);

  // For the log cleaner (cleaner.cc): a snapshot of the segments, oldest first.
  std::vector<std::shared_ptr<Segment>> segment_snapshot() const { return *segments(); }
  // Completes the cleaning of `group` (adjacent segments): their cleaned replacement lies
  // complete and fsync'ed in `<base>.{index,timeindex,log}.swap`, `base` the first one's base
  // offset. The other segments of the group are renamed `.deleted`, then the `.swap` files over
  // the first one's (the `.log` last), and the new segment takes the group's place in the list;
  // the `.deleted` files are unlinked. Readers holding old segments keep reading their (now
  // unlinked) files. kRefused when the group is no longer in the log or includes the active
  // segment.
  SwapOutcome swap_segments(std::span<const std::shared_ptr<Segment>> group, int64_t now_ms);

  // Seals the active segment (trimmed indexes, final time index entry) and flushes. Later
  // appends fail with kKafkaStorageError.
  ErrorCode close();
  // Renames the directory to `<topic>-<partition>.<uuid>-delete`, then removes it. Readers
  // holding slices keep their open descriptors. Later appends fail.
  ErrorCode delete_files();
  // The first half of delete_files: the rename only (cheap; any thread). dir() then names the
  // `-delete` directory, for a background thread to remove.
  ErrorCode rename_for_deletion();

  int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  int64_t log_end_offset() const { return log_end_offset_.load(std::memory_order_acquire); }
  // Offsets below this are durable (their records are on disk).
  int64_t flushed_offset() const { return flushed_offset_.load(std::memory_order_acquire); }
  // Kafka's recovery point, what the checkpoint records: below it the records and the indexes
  // are on disk. At most flushed_offset().
  int64_t recovery_point() const { return recovery_point_.load(std::memory_order_acquire); }
  int64_t size_bytes() const;
  size_t segment_count() const;

  // The latest leader epoch that wrote to this log, kUndefinedEpoch if none. Lock-free.
  int32_t latest_epoch() const { return epochs_.latest_epoch(); }
  // OffsetForLeaderEpoch: the largest epoch <= `epoch` and the offset where it ended (the log
  // end for the latest epoch); see LeaderEpochCache::end_offset_for for the undefined cases.
  EpochEndOffset end_offset_for_epoch(int32_t epoch) const {
    return epochs_.end_offset_for(epoch, log_end_offset());
  }
  // The leader epoch entries, for tests and tools.
  std::vector<EpochEntry> epoch_entries() const { return epochs_.entries(); }
  std::string dir() const;
  // The file system the log's files live on (for the cleaner, which writes beside them).
  Env& env() const { return env_; }

  LogConfig config() const;
  void set_config(const LogConfig& config);

 private:
  using SegmentList = std::vector<std::shared_ptr<Segment>>;

  Log(Env& env, std::string dir, const LogConfig& config);
  std::shared_ptr<const SegmentList> segments() const;
  void publish(std::shared_ptr<const SegmentList> list);
  // Under the append mutex: kKafkaStorageError when closed, kCorruptMessage when `headers`
  // describe more bytes than `batches` holds (a caller bug: batches were validated). Sets
  // `total` to the bytes the headers describe.
  ErrorCode check_append(std::span<const uint8_t> batches,
                         const std::vector<protocol::BatchHeader>& headers, size_t& total) const;
  // Under the append mutex: writes `bytes`, described by metas_, holding offsets
  // [first_offset, next_offset), rolling first if needed; the log end becomes next_offset.
  AppendResult write_batches(std::span<const uint8_t> bytes, int64_t first_offset,
                             int64_t next_offset, int64_t now_ms);
  // Under the append mutex: starts a new active segment at `base_offset`.
  ErrorCode roll(int64_t base_offset);
  // Under the append mutex: drops every segment, restarting empty at `offset`.
  ErrorCode truncate_fully(int64_t offset);
  // The loader (log_loader.cc): brings the segments of dir_ to a consistent state.
  ErrorCode load(bool needs_recovery, int64_t recovery_point, int64_t log_start_offset);
  ErrorCode load_segment(Segment& segment, bool trusted, int64_t now_ms, bool& truncated);
  // The loader: reads the leader epochs, rebuilding them from the batches when the checkpoint
  // is missing or corrupt, and drops those outside [log start, log end).
  void load_epochs(const SegmentList& list);

  mutable std::mutex append_mutex_;  // serialises mutations; held across writes
  Env& env_;
  std::string dir_;               // guarded by append_mutex_ (changes on delete)
  LogConfig config_;              // guarded by append_mutex_
  bool closed_ = false;           // guarded by append_mutex_
  bool dir_dirty_ = false;        // guarded by append_mutex_: a file was created or removed
  std::vector<BatchMeta> metas_;  // guarded by append_mutex_: scratch, reused per append
  // Mutated under append_mutex_ (it has its own lock for readers). Its file stays at the
  // original directory's path: after rename_for_deletion the log takes no more writes.
  LeaderEpochCache epochs_;

  mutable std::mutex list_mutex_;  // guards segments_ (the pointer, never held for I/O)
  std::shared_ptr<const SegmentList> segments_;

  std::mutex flush_mutex_;  // serialises flush()
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> log_end_offset_{0};
  std::atomic<int64_t> recovery_point_{0};
  std::atomic<int64_t> flushed_offset_{0};     // >= recovery_point_
  std::atomic<int64_t> appended_messages_{0};  // since open, for flush.messages
  std::atomic<int64_t> flushed_messages_{0};
  std::atomic<int64_t> last_flush_ms_{0};
};

}  // namespace gregor::storage
