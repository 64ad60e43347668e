#include "broker/replica_manager.h"

#include <spdlog/spdlog.h>

namespace gregor::broker {

ReplicaManager::ReplicaManager(storage::LogManager& logs) : logs_(logs) {}

ErrorCode ReplicaManager::ensure_partitions(const TopicInfo& topic) {
  std::unique_lock lock(mutex_);
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    Key key{topic.name, p};
    if (partitions_.contains(key)) continue;
    // create() also hands an existing log (found on disk at start-up) its topic's config.
    auto log = logs_.create(topic.name, p, topic.log_config);
    if (!log) {
      spdlog::error("cannot open the log of {}-{}", topic.name, p);
      return ErrorCode::kKafkaStorageError;
    }
    partitions_.emplace(std::move(key), std::make_shared<Partition>(topic.name, p, log));
  }
  return ErrorCode::kNone;
}

void ReplicaManager::remove_topic(const TopicInfo& topic) {
  std::unique_lock lock(mutex_);
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    partitions_.erase(Key{topic.name, p});
    logs_.remove(topic.name, p);
  }
}

std::shared_ptr<Partition> ReplicaManager::get(std::string_view topic, int32_t partition) const {
  std::shared_lock lock(mutex_);
  auto it = partitions_.find(std::pair<std::string_view, int32_t>(topic, partition));
  return it == partitions_.end() ? nullptr : it->second;
}

}  // namespace gregor::broker
