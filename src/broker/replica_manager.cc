#include "broker/replica_manager.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gregor::broker {

ReplicaManager::ReplicaManager(storage::LogManager& logs, int32_t broker_id)
    : logs_(logs),
      broker_id_(broker_id),
      checkpointed_high_watermarks_(logs.read_checkpoints(storage::kReplicationOffsetCheckpoint)) {}

ErrorCode ReplicaManager::ensure_partitions(const TopicInfo& topic) {
  std::unique_lock lock(mutex_);
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    Key key{topic.name, p};
    const auto& replicas = topic.replicas[static_cast<size_t>(p)];
    if (std::find(replicas.begin(), replicas.end(), broker_id_) == replicas.end()) continue;
    if (partitions_.contains(key)) continue;
    // create() also hands an existing log (found on disk at start-up) its topic's config.
    auto log = logs_.create(topic.name, p, topic.log_config);
    if (!log) {
      spdlog::error("cannot open the log of {}-{}", topic.name, p);
      return ErrorCode::kKafkaStorageError;
    }
    partitions_.emplace(std::move(key),
                        std::make_shared<Partition>(topic.name, p, log, broker_id_));
  }
  return ErrorCode::kNone;
}

void ReplicaManager::remove_topic(const TopicInfo& topic) {
  std::unique_lock lock(mutex_);
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    auto it = partitions_.find(Key{topic.name, p});
    if (it == partitions_.end()) continue;
    it->second->mark_removed();
    partitions_.erase(it);
    logs_.remove(topic.name, p);
  }
}

std::vector<std::shared_ptr<Partition>> ReplicaManager::remove_unassigned(const TopicInfo& topic) {
  std::unique_lock lock(mutex_);
  std::vector<std::shared_ptr<Partition>> removed;
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    const auto& replicas = topic.replicas[static_cast<size_t>(p)];
    if (std::find(replicas.begin(), replicas.end(), broker_id_) != replicas.end()) continue;
    auto it = partitions_.find(Key{topic.name, p});
    if (it == partitions_.end()) continue;
    it->second->mark_removed();
    removed.push_back(it->second);
    partitions_.erase(it);
    logs_.remove(topic.name, p);
  }
  return removed;
}

std::shared_ptr<Partition> ReplicaManager::get(std::string_view topic, int32_t partition) const {
  std::shared_lock lock(mutex_);
  auto it = partitions_.find(std::pair<std::string_view, int32_t>(topic, partition));
  return it == partitions_.end() ? nullptr : it->second;
}

void ReplicaManager::checkpoint_high_watermarks() {
  storage::OffsetMap high_watermarks;
  for (const auto& partition : all()) {
    high_watermarks.emplace(TopicPartition{partition->topic(), partition->index()},
                            partition->high_watermark());
  }
  logs_.write_checkpoints(storage::kReplicationOffsetCheckpoint, high_watermarks);
}

std::vector<std::shared_ptr<Partition>> ReplicaManager::all() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(partitions_.size());
  for (const auto& [_, partition] : partitions_)
    out.push_back(partition);
  return out;
}

}  // namespace gregor::broker
