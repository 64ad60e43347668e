// One topic-partition hosted by this broker: its log plus what the request path needs around it
// (validation of produced batches, the high watermark, wake-ups for waiting fetches) and its part
// in replication: as leader it tracks the followers' progress, keeps the ISR and moves the high
// watermark; as follower it takes the leader's batches and high watermark.
//
// Owned by the ReplicaManager through shared_ptr; request handlers on any network thread hold a
// reference while they use it, so deleting the topic never pulls a log from under a request.
//
// Threads: the role and ISR change on the broker's cluster thread (from the partition-state
// znode); produce, fetch and the replica fetchers read them on theirs. The hot path reads
// atomics only; the ISR and the followers' progress sit behind state_mutex_.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/partition_state.h"
#include "common/error_code.h"
#include "protocol/record_batch.h"
#include "storage/log.h"

namespace gregor::broker {

// Something waiting for data to arrive in a partition (a delayed fetch). Called on the appending
// thread right after an append or a high-watermark move; must only schedule work, never block.
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  virtual void on_append() = 0;
};

struct ProduceResult {
  ErrorCode error = ErrorCode::kNone;
  // With kInvalidRecord: why, and the index of each offending record (Kafka's record_errors).
  std::string error_message;
  std::vector<int32_t> invalid_records;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

enum class Role : uint8_t { kNone, kLeader, kFollower };

// The partition's state as the metadata store holds it, with the znode's data version (for the
// leader's compare-and-set of ISR changes).
struct PartitionState {
  cluster::LeaderAndIsr leader_and_isr;
  int32_t version = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> removing;  // replicas leaving with a reassignment: they never rejoin the ISR
};

// An ISR the leader wants written to the partition-state znode.
struct IsrChange {
  cluster::LeaderAndIsr next;
  int32_t expected_version = -1;
};

class Partition {
 public:
  using HighWatermarkCallback = std::function<void(ErrorCode)>;

  // `high_watermark`: as checkpointed before a restart (capped at the log end); -1 for none.
  Partition(std::string topic, int32_t index, std::shared_ptr<storage::Log> log, int32_t broker_id,
            int64_t high_watermark = -1);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  storage::Log& log() { return *log_; }
  const std::shared_ptr<storage::Log>& shared_log() const { return log_; }

  // Set once the replica manager has forgotten the partition (its topic deleted, or the replica
  // moved away): whoever still holds it, a replica fetcher say, lets it go.
  void mark_removed() { removed_.store(true, std::memory_order_release); }
  bool removed() const { return removed_.load(std::memory_order_acquire); }

  Role role() const { return role_.load(std::memory_order_acquire); }
  bool is_leader() const { return role() == Role::kLeader; }
  int32_t leader_epoch() const { return leader_epoch_.load(std::memory_order_acquire); }
  int32_t leader_id() const { return leader_id_.load(std::memory_order_acquire); }
  int32_t isr_size() const { return isr_size_.load(std::memory_order_acquire); }
  PartitionState state() const;
  // A request's current_leader_epoch (-1: not given) against this partition's: kFencedLeaderEpoch
  // if the client's is older, kUnknownLeaderEpoch if newer (this broker has not seen it yet).
  ErrorCode check_leader_epoch(int32_t requested) const;

  // Offsets below the high watermark are on every ISR member: consumers see only those.
  int64_t high_watermark() const { return high_watermark_.load(std::memory_order_acquire); }

  // Takes the state the metadata store holds (this broker leads, follows or is not a replica).
  // Returns the role it had before.
  Role apply_state(const PartitionState& state, int64_t now_ms);

  // Leader only (else kNotLeaderOrFollower). Validates the batches in `records` (modified in
  // place: offsets and leader epoch are assigned) and appends them. On a compacted topic a record
  // without a key refuses the whole payload with kInvalidRecord (nothing is appended).
  ProduceResult append(std::span<uint8_t> records, int64_t now_ms);

  // Calls `done(kNone)` once the high watermark reaches `offset`, or with kNotLeaderOrFollower if
  // leadership is lost first. May call it at once, on the calling thread.
  void await_high_watermark(int64_t offset, HighWatermarkCallback done);

  // Leader: follower `replica` asked for records from `fetch_offset`, so it has everything below.
  // Moves the high watermark; returns the ISR to write if the follower caught up and is not in it.
  std::optional<IsrChange> record_follower_fetch(int32_t replica, int64_t fetch_offset,
                                                 int64_t now_ms);
  // Leader: the ISR without the followers that have not caught up within `max_lag_ms`.
  std::optional<IsrChange> shrink_lagging(int64_t now_ms, int64_t max_lag_ms);
  // The leader's ISR change was written: the znode now has `isr` at `version`.
  void isr_written(const cluster::LeaderAndIsr& written, int32_t version);

  // Follower: appends batches fetched from the leader, offsets and epochs as they are.
  ProduceResult append_as_follower(std::span<uint8_t> records);
  // Follower: the leader's high watermark, capped at what this replica has.
  void follower_high_watermark(int64_t leader_high_watermark);
  // Follower: removes every offset >= `offset` (diverged from the leader).
  ErrorCode truncate_to(int64_t offset);

  // A topic config change on a running broker: the log's settings and the cached limits.
  void apply_config(const storage::LogConfig& config);
  int32_t min_insync_replicas() const { return min_insync_.load(std::memory_order_relaxed); }

  // Replication throttling (KIP-73): whether this broker's traffic for this partition counts
  // against its leader quota when serving `follower`, or against its follower quota. Listed in
  // the topic's *.replication.throttled.replicas and the replica not in the ISR: in-sync
  // replicas are never throttled.
  bool leader_throttled_for(int32_t follower) const;
  bool follower_throttled() const;

  // One-shot: `listener` is told about the next append or high-watermark move, then forgotten.
  void watch_appends(std::weak_ptr<AppendListener> listener);

 private:
  struct Follower {
    int64_t log_end_offset = -1;
    int64_t last_caught_up_ms = 0;
    // The leader's log end offset and the time of the follower's previous fetch: a follower
    // that asked for at least that much then had caught up then.
    int64_t previous_fetch_leader_end = -1;
    int64_t previous_fetch_ms = 0;
  };
  struct Waiter {
    int64_t offset;
    HighWatermarkCallback done;
  };

  void notify_listeners();
  // Under state_mutex_: the high watermark the ISR allows; moves it (never back) and collects
  // the waiters it satisfies. True if it moved.
  bool advance_high_watermark(std::vector<Waiter>& ready);
  void complete(std::vector<Waiter>& ready, ErrorCode error);
  // For a compacted topic: true if every record of `records` has a key; else false with
  // `result` set to the refusal (kInvalidRecord, or kCorruptMessage for undecodable records).
  bool in_isr(int32_t replica) const;
  void cache_throttling(const storage::LogConfig& config);
  bool accepts_keys(protocol::ByteView records, const std::vector<protocol::BatchHeader>& headers,
                    ProduceResult& result) const;
  // When the topic bounds CreateTime timestamps: true if every record is within them; else false
  // with `result` set to INVALID_TIMESTAMP and the records at fault.
  bool accepts_timestamps(protocol::ByteView records,
                          const std::vector<protocol::BatchHeader>& headers, int64_t now_ms,
                          ProduceResult& result) const;
  // When compression.type names a codec: points `records` at a per-thread copy of the batches in
  // that codec, if any was in another. False with `result.error` set when one cannot be rebuilt.
  bool to_topic_codec(std::span<uint8_t>& records, std::vector<protocol::BatchHeader>& headers,
                      const protocol::ValidationLimits& limits, ProduceResult& result) const;
  void cache_produce_checks(const storage::LogConfig& config);

  const std::string topic_;
  const int32_t index_;
  const std::shared_ptr<storage::Log> log_;
  const int32_t broker_id_;
  std::atomic<bool> removed_{false};
  std::atomic<Role> role_{Role::kNone};
  std::atomic<int32_t> leader_epoch_{0};
  std::atomic<int32_t> leader_id_{-1};
  std::atomic<int32_t> isr_size_{0};
  std::atomic<int64_t> high_watermark_{0};
  // The topic's max.message.bytes, kept here so that a produce does not copy the log's config.
  std::atomic<int32_t> max_batch_bytes_;
  std::atomic<int32_t> min_insync_;
  // cleanup.policy contains compact: records must have keys (checked record by record).
  std::atomic<bool> compacted_;
  // compression.type as a codec number, or kProducerCodec; the level for that codec.
  static constexpr int8_t kProducerCodec = -1;
  std::atomic<int8_t> topic_codec_{kProducerCodec};
  std::atomic<int32_t> codec_level_{0};
  // The CreateTime bounds (storage::timestamp_bounds); both unlimited by default: not checked.
  std::atomic<int64_t> timestamp_before_ms_{0};
  std::atomic<int64_t> timestamp_after_ms_{0};
  // This broker is listed for this partition in the topic's throttled replicas.
  std::atomic<bool> listed_as_throttled_leader_;
  std::atomic<bool> listed_as_throttled_follower_;

  mutable std::mutex state_mutex_;
  PartitionState state_;                   // guarded by state_mutex_
  std::map<int32_t, Follower> followers_;  // guarded by state_mutex_; leader only
  std::vector<Waiter> waiters_;            // guarded by state_mutex_

  std::mutex listeners_mutex_;
  std::vector<std::weak_ptr<AppendListener>> listeners_;
};

}  // namespace gregor::broker
