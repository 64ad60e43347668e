#include "broker/offsets_topic.h"

#include <unistd.h>

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "common/clock.h"

namespace gregor::broker {

OffsetsTopic::OffsetsTopic(Broker& broker, int32_t default_partitions, int16_t replication_factor,
                           int32_t segment_bytes)
    : broker_(broker),
      default_partitions_(default_partitions),
      replication_factor_(replication_factor),
      segment_bytes_(segment_bytes) {}

int32_t OffsetsTopic::partition_count() const {
  auto topic = broker_.topics().find(kOffsetsTopic);
  return topic ? topic->partition_count() : default_partitions_;
}

std::optional<int16_t> OffsetsTopic::replication_factor_now() const {
  const auto live = static_cast<int64_t>(broker_.registered_broker_count());
  if (live >= replication_factor_) return replication_factor_;
  if (live <= 1) return int16_t{1};
  return std::nullopt;
}

ErrorCode OffsetsTopic::ensure_topic() {
  if (broker_.topics().find(kOffsetsTopic)) return ErrorCode::kNone;
  std::lock_guard lock(create_mutex_);
  if (broker_.topics().find(kOffsetsTopic)) return ErrorCode::kNone;
  const auto replication_factor = replication_factor_now();
  if (!replication_factor) {
    spdlog::warn("{} not created: offsets.topic.replication.factor={} but {} brokers registered",
                 kOffsetsTopic, replication_factor_, broker_.registered_broker_count());
    return ErrorCode::kCoordinatorNotAvailable;
  }
  auto result = broker_.create_topic(
      kOffsetsTopic, default_partitions_, *replication_factor, {},
      {{"cleanup.policy", "compact"}, {"segment.bytes", std::to_string(segment_bytes_)}}, false);
  // Created through another broker meanwhile: this one learns of it through its watch.
  if (result.error == ErrorCode::kTopicAlreadyExists) return ErrorCode::kNone;
  return result.error == ErrorCode::kNone ? result.error : ErrorCode::kCoordinatorNotAvailable;
}

// Acknowledged as a produce with acks=all: durable on this broker, then on every ISR member.
// Losing the leadership first is NOT_COORDINATOR: the client looks for the new coordinator.
void OffsetsTopic::append(int32_t partition_index, std::vector<uint8_t> batch,
                          std::function<void(ErrorCode)> done) {
  auto partition = broker_.replicas().get(kOffsetsTopic, partition_index);
  if (!partition) return done(ErrorCode::kNotCoordinator);
  const auto result = partition->append(batch, wall_clock_ms());
  if (result.error == ErrorCode::kNotLeaderOrFollower) return done(ErrorCode::kNotCoordinator);
  if (result.error != ErrorCode::kNone) return done(result.error);
  const int64_t end = result.last_offset + 1;
  broker_.flusher().await_durable(
      partition->shared_log(), end, [partition, end, done = std::move(done)](bool durable) {
        if (!durable) return done(ErrorCode::kKafkaStorageError);
        partition->await_high_watermark(end, [done](ErrorCode error) {
          done(error == ErrorCode::kNone ? error : ErrorCode::kNotCoordinator);
        });
      });
}

ErrorCode OffsetsTopic::read_all(int32_t partition_index,
                                 const std::function<void(protocol::ByteView batch)>& fn) {
  auto partition = broker_.replicas().get(kOffsetsTopic, partition_index);
  if (!partition) return ErrorCode::kNone;  // not created yet: nothing stored
  auto& log = partition->log();
  const int64_t end = log.log_end_offset();
  int64_t offset = log.log_start_offset();
  std::vector<uint8_t> buffer;
  // Each read returns at least one whole batch, so the loop ends within end - start rounds.
  for (int64_t rounds = 0; offset < end && rounds <= end; ++rounds) {
    auto read = log.read(offset, 1 << 20, true, end);
    if (read.error != ErrorCode::kNone) return read.error;
    if (!read.slice || read.slice->size <= 0) break;
    buffer.resize(static_cast<size_t>(read.slice->size));
    const ssize_t got =
        pread(read.slice->file->fd(), buffer.data(), buffer.size(), read.slice->offset);
    if (got != static_cast<ssize_t>(buffer.size())) return ErrorCode::kKafkaStorageError;
    size_t pos = 0;
    const int64_t before = offset;
    while (pos + protocol::kBatchHeaderSize <= buffer.size()) {
      auto header = protocol::parse_batch_header(protocol::ByteView(buffer).subspan(pos));
      if (!header || pos + header->total_size() > buffer.size()) break;
      if (header->last_offset() >= offset) {
        fn(protocol::ByteView(buffer).subspan(pos, header->total_size()));
        offset = header->last_offset() + 1;
      }
      pos += header->total_size();
    }
    if (offset == before) return ErrorCode::kCorruptMessage;
  }
  return ErrorCode::kNone;
}

}  // namespace gregor::broker
