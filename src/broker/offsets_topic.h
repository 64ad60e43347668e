// The broker's side of the group coordinator's storage: the internal compacted topic
// __consumer_offsets (offsets.topic.num.partitions partitions, cleanup.policy=compact,
// segment.bytes=offsets.topic.segment.bytes, offsets.topic.replication.factor replicas, as Kafka
// creates it). Appends go through Partition::append like a produce and are acknowledged once
// the flusher has made them durable and the ISR has them (the high watermark passed them), as
// acks=all would be. The topic is created on first use, as Kafka does; a topic that exists keeps
// its partition count.
//
// Replication factor: offsets.topic.replication.factor, refused (COORDINATOR_NOT_AVAILABLE, the
// client retries) while fewer brokers are registered, except when this broker is the only one:
// a single node gets one replica, so that it works out of the box.
//
// Thread-safe: appends come from network threads, reads from the coordinator's loader thread.
#pragma once

#include <mutex>

#include "coordinator/offsets_log.h"

namespace gregor::broker {

class Broker;

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

class OffsetsTopic : public coordinator::OffsetsLog {
 public:
  OffsetsTopic(Broker& broker, int32_t default_partitions, int16_t replication_factor,
               int32_t segment_bytes);

  // The topic's partition count once it exists, else the configured one.
  int32_t partition_count() const override;
  void ensure_created() override { (void)ensure_topic(); }
  void append(int32_t partition, std::vector<uint8_t> batch,
              std::function<void(ErrorCode)> done) override;
  ErrorCode read_all(int32_t partition,
                     const std::function<void(protocol::ByteView batch)>& fn) override;

  // Creates the topic if it does not exist; kCoordinatorNotAvailable if it cannot yet.
  ErrorCode ensure_topic();

 private:
  // The replication factor to create the topic with now, or nullopt while too few brokers are
  // registered.
  std::optional<int16_t> replication_factor_now() const;

  Broker& broker_;
  const int32_t default_partitions_;
  const int16_t replication_factor_;
  const int32_t segment_bytes_;  // of the topic, when this broker creates it
  std::mutex create_mutex_;
};

}  // namespace gregor::broker
