// The partitions this broker hosts (those of which it is a replica), keyed by topic and index. It
// opens their logs through the LogManager when topics appear and removes them when topics are
// deleted. Lookups are on the request path from every network thread; they take a shared lock
// only.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "broker/partition.h"
#include "broker/partition_key.h"
#include "broker/topic_registry.h"
#include "storage/log_manager.h"

namespace gregor::broker {

class ReplicaManager {
 public:
  ReplicaManager(storage::LogManager& logs, int32_t broker_id);

  // Opens (creating when missing) the log of every partition of `topic` this broker is a
  // replica of.
  ErrorCode ensure_partitions(const TopicInfo& topic);
  // Forgets the topic's partitions and deletes their logs.
  void remove_topic(const TopicInfo& topic);
  // Forgets and deletes the partitions of `topic` this broker is no longer a replica of (moved
  // elsewhere by a reassignment); returns them.
  std::vector<std::shared_ptr<Partition>> remove_unassigned(const TopicInfo& topic);

  std::shared_ptr<Partition> get(std::string_view topic, int32_t partition) const;
  // Every hosted partition, for periodic work (ISR checks).
  std::vector<std::shared_ptr<Partition>> all() const;

  // Writes every partition's high watermark to `replication-offset-checkpoint` in its log
  // directory; partitions opened later start from it. For a background thread.
  void checkpoint_high_watermarks();

 private:
  using Key = PartitionKey;

  storage::LogManager& logs_;
  const int32_t broker_id_;
  const storage::OffsetMap checkpointed_high_watermarks_;  // as read at start-up
  mutable std::shared_mutex mutex_;
  std::map<Key, std::shared_ptr<Partition>, PartitionKeyLess> partitions_;
};

}  // namespace gregor::broker
