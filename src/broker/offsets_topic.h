// The broker's side of the group coordinator's storage: the internal compacted topic
// __consumer_offsets (offsets.topic.num.partitions partitions, cleanup.policy=compact,
// segment.bytes=offsets.topic.segment.bytes, as Kafka creates it). Appends
// go through Partition::append like a produce and are acknowledged once the flusher has made
// them durable, as acks=all would be. The topic is created on first use, as Kafka does; a topic
// found at start-up keeps its partition count.
//
// Thread-safe: appends come from network threads, reads only from GroupCoordinator::load().
#pragma once

#include <atomic>
#include <mutex>

#include "coordinator/offsets_log.h"

namespace gregor::broker {

class Broker;

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

class OffsetsTopic : public coordinator::OffsetsLog {
 public:
  OffsetsTopic(Broker& broker, int32_t default_partitions, int32_t segment_bytes);

  int32_t partition_count() const override { return partitions_.load(); }
  void append(int32_t partition, std::vector<uint8_t> batch,
              std::function<void(ErrorCode)> done) override;
  ErrorCode read_all(int32_t partition,
                     const std::function<void(protocol::ByteView batch)>& fn) override;

 private:
  ErrorCode ensure_topic();

  Broker& broker_;
  std::atomic<int32_t> partitions_;
  const int32_t segment_bytes_;  // of the topic, when this broker creates it
  std::mutex create_mutex_;
};

}  // namespace gregor::broker
