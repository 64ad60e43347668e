#include "broker/partition.h"

#include <algorithm>

#include <fmt/format.h>

#include "broker/compacted_records.h"
#include "broker/record_timestamps.h"
#include "broker/throttled_replicas.h"
#include "broker/topic_codec.h"

namespace gregor::broker {
namespace {

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Partition::Partition(std::string topic, int32_t index, std::shared_ptr<storage::Log> log,
                     int32_t broker_id, int64_t high_watermark)
    : topic_(std::move(topic)),
      index_(index),
      log_(std::move(log)),
      broker_id_(broker_id),
      high_watermark_(std::clamp(high_watermark, log_->log_start_offset(), log_->log_end_offset())),
      max_batch_bytes_(log_->config().max_message_bytes),
      min_insync_(log_->config().min_insync_replicas),
      compacted_(storage::is_compacted(log_->config())) {
  cache_throttling(log_->config());
  cache_produce_checks(log_->config());
}

void Partition::cache_produce_checks(const storage::LogConfig& config) {
  using protocol::Compression;
  int32_t level = 0;
  if (config.compression == Compression::kGzip) level = config.compression_gzip_level;
  if (config.compression == Compression::kZstd) level = config.compression_zstd_level;
  codec_level_.store(level, std::memory_order_relaxed);
  topic_codec_.store(config.compression ? static_cast<int8_t>(*config.compression) : kProducerCodec,
                     std::memory_order_relaxed);
  const auto bounds = storage::timestamp_bounds(config);
  timestamp_before_ms_.store(bounds.before_ms, std::memory_order_relaxed);
  timestamp_after_ms_.store(bounds.after_ms, std::memory_order_relaxed);
}

void Partition::cache_throttling(const storage::LogConfig& config) {
  std::string ignored;  // validated when the topic config was set
  auto leader = parse_throttled_replicas(config.leader_throttled_replicas, ignored);
  auto follower = parse_throttled_replicas(config.follower_throttled_replicas, ignored);
  listed_as_throttled_leader_.store(leader && leader->includes(index_, broker_id_),
                                    std::memory_order_relaxed);
  listed_as_throttled_follower_.store(follower && follower->includes(index_, broker_id_),
                                      std::memory_order_relaxed);
}

bool Partition::in_isr(int32_t replica) const {
  std::lock_guard lock(state_mutex_);
  return contains(state_.leader_and_isr.isr, replica);
}

bool Partition::leader_throttled_for(int32_t follower) const {
  return listed_as_throttled_leader_.load(std::memory_order_relaxed) && !in_isr(follower);
}

bool Partition::follower_throttled() const {
  return listed_as_throttled_follower_.load(std::memory_order_relaxed) && !in_isr(broker_id_);
}

PartitionState Partition::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

ErrorCode Partition::check_leader_epoch(int32_t requested) const {
  if (requested < 0 || requested == leader_epoch()) return ErrorCode::kNone;
  return requested < leader_epoch() ? ErrorCode::kFencedLeaderEpoch
                                    : ErrorCode::kUnknownLeaderEpoch;
}

Role Partition::apply_state(const PartitionState& state, int64_t now_ms) {
  const auto& next = state.leader_and_isr;
  const Role before = role();
  Role after = Role::kNone;
  if (contains(state.replicas, broker_id_) && next.leader != cluster::kNoLeader) {
    after = next.leader == broker_id_ ? Role::kLeader : Role::kFollower;
  }
  std::vector<Waiter> failed, ready;
  {
    std::lock_guard lock(state_mutex_);
    if (state.version < state_.version) return before;  // an older read than what we have
    const bool new_term = next.leader_epoch != state_.leader_and_isr.leader_epoch ||
                          after != before || state_.version < 0;
    state_ = state;
    if (after == Role::kLeader) {
      // A new term: followers start with unknown progress. The ISR members count as caught up
      // now, so they are not dropped before they could fetch. Within a term the replicas may
      // change (a reassignment adds and removes some): keep the progress of those that stay.
      if (new_term) followers_.clear();
      std::erase_if(followers_, [&](const auto& f) { return !contains(state.replicas, f.first); });
      for (int32_t replica : state.replicas) {
        if (replica == broker_id_ || followers_.contains(replica)) continue;
        followers_[replica].last_caught_up_ms = contains(next.isr, replica) ? now_ms : 0;
      }
    }
    if (after != Role::kLeader) {
      followers_.clear();
      failed.swap(waiters_);
    }
    leader_id_.store(next.leader, std::memory_order_release);
    leader_epoch_.store(next.leader_epoch, std::memory_order_release);
    isr_size_.store(static_cast<int32_t>(next.isr.size()), std::memory_order_release);
    role_.store(after, std::memory_order_release);
    if (after == Role::kLeader) advance_high_watermark(ready);
  }
  complete(failed, ErrorCode::kNotLeaderOrFollower);
  complete(ready, ErrorCode::kNone);
  notify_listeners();  // waiting fetches answer NOT_LEADER_OR_FOLLOWER or read anew
  return before;
}

ProduceResult Partition::append(std::span<uint8_t> records, int64_t now_ms) {
  // Reused per thread: validation fills it with one header per batch, without allocating once
  // the vector has grown to the usual batch count.
  static thread_local std::vector<protocol::BatchHeader> headers;
  ProduceResult result;
  if (!is_leader()) {
    result.error = ErrorCode::kNotLeaderOrFollower;
    return result;
  }
  const protocol::ValidationLimits limits{max_batch_bytes_.load(std::memory_order_relaxed)};
  result.error = protocol::validate_batches(records, limits, headers);
  if (result.error != ErrorCode::kNone) return result;
  if (compacted_.load(std::memory_order_relaxed) && !accepts_keys(records, headers, result)) {
    return result;
  }
  if (!accepts_timestamps(records, headers, now_ms, result)) return result;
  if (topic_codec_.load(std::memory_order_relaxed) != kProducerCodec &&
      !to_topic_codec(records, headers, limits, result)) {
    return result;
  }
  auto appended = log_->append(records, headers, leader_epoch(), now_ms);
  result.error = appended.error;
  result.base_offset = appended.base_offset;
  result.last_offset = appended.last_offset;
  result.log_append_time = appended.log_append_time;
  result.log_start_offset = appended.log_start_offset;
  if (result.error != ErrorCode::kNone) return result;
  if (isr_size() <= 1) {
    // Alone in the ISR (a single broker, or every follower out): what is appended is committed.
    std::vector<Waiter> ready;
    {
      std::lock_guard lock(state_mutex_);
      advance_high_watermark(ready);
    }
    complete(ready, ErrorCode::kNone);
  }
  notify_listeners();
  return result;
}

bool Partition::advance_high_watermark(std::vector<Waiter>& ready) {
  if (role() != Role::kLeader) return false;
  int64_t hw = log_->log_end_offset();
  for (int32_t replica : state_.leader_and_isr.isr) {
    if (replica == broker_id_) continue;
    auto it = followers_.find(replica);
    hw = std::min(hw, it == followers_.end() ? -1 : it->second.log_end_offset);
  }
  if (hw <= high_watermark()) return false;
  high_watermark_.store(hw, std::memory_order_release);
  auto done = std::partition(waiters_.begin(), waiters_.end(),
                             [hw](const Waiter& w) { return w.offset > hw; });
  std::move(done, waiters_.end(), std::back_inserter(ready));
  waiters_.erase(done, waiters_.end());
  return true;
}

void Partition::complete(std::vector<Waiter>& ready, ErrorCode error) {
  for (auto& waiter : ready)
    waiter.done(error);
  ready.clear();
}

void Partition::await_high_watermark(int64_t offset, HighWatermarkCallback done) {
  {
    std::lock_guard lock(state_mutex_);
    if (high_watermark() < offset && is_leader()) {
      waiters_.push_back({offset, std::move(done)});
      return;
    }
  }
  done(high_watermark() >= offset ? ErrorCode::kNone : ErrorCode::kNotLeaderOrFollower);
}

std::optional<IsrChange> Partition::record_follower_fetch(int32_t replica, int64_t fetch_offset,
                                                          int64_t now_ms) {
  std::vector<Waiter> ready;
  std::optional<IsrChange> change;
  bool moved = false;
  {
    std::lock_guard lock(state_mutex_);
    auto it = followers_.find(replica);
    if (it == followers_.end() || !is_leader()) return std::nullopt;
    Follower& follower = it->second;
    const int64_t leader_end = log_->log_end_offset();
    // Beyond this log's end the follower has records this leader lacks: it is told to truncate
    // (diverging_epoch), and is not in step with anything until it has.
    if (fetch_offset > leader_end) return std::nullopt;
    follower.log_end_offset = fetch_offset;
    if (fetch_offset >= leader_end) {
      follower.last_caught_up_ms = now_ms;
    } else if (fetch_offset >= follower.previous_fetch_leader_end) {
      follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, follower.previous_fetch_ms);
    }
    follower.previous_fetch_leader_end = leader_end;
    follower.previous_fetch_ms = now_ms;
    const auto& current = state_.leader_and_isr;
    // A follower rejoins once it has everything committed (Kafka also wants it past the start
    // of the leader's epoch, so that what it has is this leader's history).
    const int64_t epoch_start = log_->end_offset_for_epoch(current.leader_epoch - 1).end_offset;
    if (!contains(current.isr, replica) && !contains(state_.removing, replica) &&
        follower.log_end_offset >= high_watermark() && follower.log_end_offset >= epoch_start) {
      change = IsrChange{current, state_.version};
      change->next.isr.push_back(replica);
      std::sort(change->next.isr.begin(), change->next.isr.end());
    }
    moved = advance_high_watermark(ready);
  }
  complete(ready, ErrorCode::kNone);
  if (moved) notify_listeners();
  return change;
}

std::optional<IsrChange> Partition::shrink_lagging(int64_t now_ms, int64_t max_lag_ms) {
  std::lock_guard lock(state_mutex_);
  if (!is_leader()) return std::nullopt;
  const auto& current = state_.leader_and_isr;
  std::vector<int32_t> kept;
  for (int32_t replica : current.isr) {
    auto it = followers_.find(replica);
    const bool lagging =
        replica != broker_id_ &&
        (it == followers_.end() || now_ms - it->second.last_caught_up_ms > max_lag_ms);
    if (!lagging) kept.push_back(replica);
  }
  if (kept.size() == current.isr.size()) return std::nullopt;
  IsrChange change{current, state_.version};
  change.next.isr = std::move(kept);
  return change;
}

void Partition::isr_written(const cluster::LeaderAndIsr& written, int32_t version) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(state_mutex_);
    if (written.leader_epoch != state_.leader_and_isr.leader_epoch || version <= state_.version) {
      return;  // a newer state arrived meanwhile
    }
    state_.leader_and_isr = written;
    state_.version = version;
    isr_size_.store(static_cast<int32_t>(written.isr.size()), std::memory_order_release);
    advance_high_watermark(ready);  // a smaller ISR may commit more
  }
  complete(ready, ErrorCode::kNone);
  notify_listeners();
}

ProduceResult Partition::append_as_follower(std::span<uint8_t> records) {
  static thread_local std::vector<protocol::BatchHeader> headers;
  ProduceResult result;
  // The leader accepted these batches under its own limits: take whatever size it sends.
  const protocol::ValidationLimits limits{std::numeric_limits<int32_t>::max()};
  result.error = protocol::validate_batches(records, limits, headers);
  if (result.error != ErrorCode::kNone) return result;
  auto appended = log_->append_as_follower(records, headers);
  result.error = appended.error;
  result.base_offset = appended.base_offset;
  result.last_offset = appended.last_offset;
  return result;
}

void Partition::follower_high_watermark(int64_t leader_high_watermark) {
  const int64_t hw = std::min(leader_high_watermark, log_->log_end_offset());
  if (hw == high_watermark()) return;
  high_watermark_.store(hw, std::memory_order_release);
  notify_listeners();
}

ErrorCode Partition::truncate_to(int64_t offset) {
  const ErrorCode error = log_->truncate_to(offset);
  if (high_watermark() > log_->log_end_offset()) {
    high_watermark_.store(log_->log_end_offset(), std::memory_order_release);
  }
  return error;
}

bool Partition::accepts_keys(protocol::ByteView records,
                             const std::vector<protocol::BatchHeader>& headers,
                             ProduceResult& result) const {
  KeylessRecords keyless = find_keyless_records(records, headers);
  if (keyless.error != ErrorCode::kNone) {
    result.error = keyless.error;
    return false;
  }
  if (keyless.indexes.empty()) return true;
  result.error = ErrorCode::kInvalidRecord;
  result.error_message =
      fmt::format("topic {} is compacted (cleanup.policy={}): every record needs a key", topic_,
                  log_->config().cleanup_policy);
  result.invalid_records = std::move(keyless.indexes);
  return false;
}

bool Partition::accepts_timestamps(protocol::ByteView records,
                                   const std::vector<protocol::BatchHeader>& headers,
                                   int64_t now_ms, ProduceResult& result) const {
  const storage::TimestampBounds bounds{timestamp_before_ms_.load(std::memory_order_relaxed),
                                        timestamp_after_ms_.load(std::memory_order_relaxed)};
  if (bounds.unlimited()) return true;  // Kafka's default: nothing to look at
  auto bad = find_out_of_range_timestamps(records, headers, bounds, now_ms);
  if (bad.error != ErrorCode::kNone) {
    result.error = bad.error;
    return false;
  }
  if (bad.indexes.empty()) return true;
  result.error = ErrorCode::kInvalidTimestamp;
  result.error_message = std::move(bad.message);
  result.invalid_records = std::move(bad.indexes);
  return false;
}

bool Partition::to_topic_codec(std::span<uint8_t>& records,
                               std::vector<protocol::BatchHeader>& headers,
                               const protocol::ValidationLimits& limits,
                               ProduceResult& result) const {
  // Holds the rebuilt batches until Log::append has written them, before this thread's next
  // produce; the records of a request stay views into its frame otherwise.
  static thread_local std::vector<uint8_t> rebuilt;
  const auto codec =
      static_cast<protocol::Compression>(topic_codec_.load(std::memory_order_relaxed));
  if (!needs_recompression(headers, codec)) return true;
  result.error = recompress_payload(records, codec, codec_level_.load(std::memory_order_relaxed),
                                    limits, rebuilt, headers);
  if (result.error != ErrorCode::kNone) return false;
  records = rebuilt;
  return true;
}

void Partition::apply_config(const storage::LogConfig& config) {
  log_->set_config(config);
  max_batch_bytes_.store(config.max_message_bytes, std::memory_order_relaxed);
  min_insync_.store(config.min_insync_replicas, std::memory_order_relaxed);
  compacted_.store(storage::is_compacted(config), std::memory_order_relaxed);
  cache_throttling(config);
  cache_produce_checks(config);
}

void Partition::watch_appends(std::weak_ptr<AppendListener> listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(listener));
}

void Partition::notify_listeners() {
  std::vector<std::weak_ptr<AppendListener>> waiting;
  {
    std::lock_guard lock(listeners_mutex_);
    if (listeners_.empty()) return;
    waiting.swap(listeners_);
  }
  for (auto& weak : waiting) {
    if (auto listener = weak.lock()) listener->on_append();
  }
}

}  // namespace gregor::broker
