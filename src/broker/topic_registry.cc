#include "broker/topic_registry.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "broker/config_znode.h"
#include "broker/topic_name.h"
#include "common/config_value.h"

namespace gregor::broker {
namespace {

using Json = nlohmann::json;
using cluster::StoreError;

const std::string kTopicsPath = "/brokers/topics";
const std::string kConfigsPath = "/config/topics";

std::string topic_json(const TopicInfo& topic) {
  Json partitions = Json::object();
  for (size_t p = 0; p < topic.replicas.size(); ++p) {
    partitions[std::to_string(p)] = topic.replicas[p];
  }
  return Json{{"version", 3},
              {"topic_id", topic.id.to_string()},
              {"partitions", partitions},
              {"adding_replicas", Json::object()},
              {"removing_replicas", Json::object()}}
      .dump();
}

// Parses the two znodes of a topic; false if they are not what topic_json/config_json wrote.
bool parse_topic(const std::string& topic_data, const std::string& config_data, TopicInfo& topic) {
  Json doc = Json::parse(topic_data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["partitions"].is_object()) return false;
  const auto& id_field = doc["topic_id"];
  auto id = protocol::Uuid::from_string(id_field.is_string() ? id_field.get<std::string>() : "");
  topic.id = id ? *id : protocol::Uuid::random();
  topic.replicas.assign(doc["partitions"].size(), {});
  for (const auto& [key, replicas] : doc["partitions"].items()) {
    std::string error;
    auto p = parse_integer(key, 0, static_cast<int64_t>(topic.replicas.size()) - 1, error);
    if (!p || !replicas.is_array()) return false;
    for (const auto& id : replicas) {
      if (!id.is_number_integer()) return false;
      topic.replicas[static_cast<size_t>(*p)].push_back(id.get<int32_t>());
    }
  }
  topic.configs = parse_config_znode(config_data);
  return true;
}

}  // namespace

TopicRegistry::TopicRegistry(cluster::MetadataStore& store, storage::LogConfig defaults,
                             int32_t broker_id)
    : store_(store), defaults_(std::move(defaults)), broker_id_(broker_id) {}

ErrorCode TopicRegistry::load(std::string& error) {
  store_.create_recursive(kTopicsPath, "");
  store_.create_recursive(kConfigsPath, "");
  std::vector<std::string> names;
  if (auto rc = store_.children(kTopicsPath, names); rc != StoreError::kOk) {
    error = "cannot list " + kTopicsPath + ": " + std::string(cluster::store_error_name(rc));
    return ErrorCode::kUnknownServerError;
  }
  std::unique_lock lock(mutex_);
  for (const auto& name : names) {
    std::string topic_data, config_data;
    if (store_.get(kTopicsPath + "/" + name, topic_data) != StoreError::kOk) continue;
    store_.get(kConfigsPath + "/" + name, config_data);
    auto topic = std::make_shared<TopicInfo>();
    topic->name = name;
    if (!parse_topic(topic_data, config_data, *topic)) {
      spdlog::error("ignoring topic {}: unreadable metadata {}", name, topic_data);
      continue;
    }
    topic->log_config = defaults_;
    std::string config_error;
    if (!apply_topic_configs(topic->log_config, topic->configs, config_error)) {
      spdlog::warn("topic {}: {}; using broker defaults", name, config_error);
      topic->log_config = defaults_;
    }
    topics_[name] = std::move(topic);
  }
  return ErrorCode::kNone;
}

TopicResult TopicRegistry::validate_new(const std::string& name, int32_t partitions,
                                        int16_t replication_factor,
                                        const std::vector<std::vector<int32_t>>& assignment,
                                        const TopicConfigs& configs) const {
  if (auto reason = invalid_topic_name_reason(name)) {
    return {ErrorCode::kInvalidTopicException, *reason, nullptr};
  }
  {
    std::shared_lock lock(mutex_);
    if (topics_.contains(name)) {
      return {ErrorCode::kTopicAlreadyExists, "Topic '" + name + "' already exists.", nullptr};
    }
    const auto key = topic_collision_key(name);
    for (const auto& [existing, _] : topics_) {
      if (topic_collision_key(existing) == key) {
        return {ErrorCode::kInvalidTopicException,
                "Topic '" + name + "' collides with existing topic: " + existing, nullptr};
      }
    }
  }
  if (assignment.empty()) {
    if (partitions <= 0) {
      return {ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.",
              nullptr};
    }
    if (replication_factor <= 0) {
      return {ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0.",
              nullptr};
    }
    if (replication_factor > 1) {
      return {ErrorCode::kInvalidReplicationFactor,
              "Unable to replicate the partition " + std::to_string(replication_factor) +
                  " time(s): The target replication factor of " +
                  std::to_string(replication_factor) +
                  " cannot be reached because only 1 broker(s) are registered.",
              nullptr};
    }
  } else {
    for (const auto& replicas : assignment) {
      if (replicas.size() != 1 || replicas[0] != broker_id_) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "Replica assignment must name only the live broker " + std::to_string(broker_id_),
                nullptr};
      }
    }
  }
  storage::LogConfig log_config = defaults_;
  std::string error;
  if (!apply_topic_configs(log_config, configs, error)) {
    return {ErrorCode::kInvalidConfig, error, nullptr};
  }
  auto topic = std::make_shared<TopicInfo>();
  topic->name = name;
  topic->id = protocol::Uuid::random();
  topic->replicas = assignment.empty()
                        ? std::vector<std::vector<int32_t>>(static_cast<size_t>(partitions),
                                                            std::vector<int32_t>{broker_id_})
                        : assignment;
  topic->configs = configs;
  topic->log_config = log_config;
  return {ErrorCode::kNone, "", std::move(topic)};
}

StoreError TopicRegistry::persist(const TopicInfo& topic, bool is_new) {
  const auto topic_path = kTopicsPath + "/" + topic.name;
  if (!is_new) return store_.set(topic_path, topic_json(topic));
  return store_.multi({
      cluster::StoreOp::create(kConfigsPath + "/" + topic.name, config_znode_json(topic.configs)),
      cluster::StoreOp::create(topic_path, topic_json(topic)),
  });
}

TopicResult TopicRegistry::create(const std::string& name, int32_t partitions,
                                  int16_t replication_factor,
                                  const std::vector<std::vector<int32_t>>& assignment,
                                  const TopicConfigs& configs, bool validate_only) {
  std::lock_guard write(write_mutex_);
  auto result = validate_new(name, partitions, replication_factor, assignment, configs);
  if (result.error != ErrorCode::kNone || validate_only) return result;
  if (auto rc = persist(*result.topic, /*is_new=*/true); rc != StoreError::kOk) {
    return {ErrorCode::kUnknownServerError,
            "metadata store: " + std::string(cluster::store_error_name(rc)), nullptr};
  }
  std::unique_lock lock(mutex_);
  topics_[name] = result.topic;
  return result;
}

TopicResult TopicRegistry::remove(const std::string& name) {
  std::lock_guard write(write_mutex_);
  TopicPtr topic = find(name);
  if (!topic) {
    return {ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition.",
            nullptr};
  }
  store_.remove_recursive(kTopicsPath + "/" + name);
  store_.remove_recursive(kConfigsPath + "/" + name);
  std::unique_lock lock(mutex_);
  topics_.erase(name);
  return {ErrorCode::kNone, "", topic};
}

TopicResult TopicRegistry::add_partitions(const std::string& name, int32_t new_count,
                                          bool validate_only) {
  std::lock_guard write(write_mutex_);
  TopicPtr current = find(name);
  if (!current) {
    return {ErrorCode::kUnknownTopicOrPartition, "The topic '" + name + "' does not exist.",
            nullptr};
  }
  if (new_count <= current->partition_count()) {
    return {ErrorCode::kInvalidPartitions,
            "Topic currently has " + std::to_string(current->partition_count()) +
                " partitions, which is higher than the requested " + std::to_string(new_count) +
                ".",
            nullptr};
  }
  auto grown = std::make_shared<TopicInfo>(*current);
  grown->replicas.resize(static_cast<size_t>(new_count), std::vector<int32_t>{broker_id_});
  if (validate_only) return {ErrorCode::kNone, "", grown};
  if (auto rc = persist(*grown, /*is_new=*/false); rc != StoreError::kOk) {
    return {ErrorCode::kUnknownServerError,
            "metadata store: " + std::string(cluster::store_error_name(rc)), nullptr};
  }
  std::unique_lock lock(mutex_);
  topics_[name] = grown;
  return {ErrorCode::kNone, "", grown};
}

TopicResult TopicRegistry::set_configs(const std::string& name, const TopicConfigs& configs,
                                       bool validate_only) {
  std::lock_guard write(write_mutex_);
  TopicPtr current = find(name);
  if (!current) {
    return {ErrorCode::kUnknownTopicOrPartition, "The topic '" + name + "' does not exist.",
            nullptr};
  }
  auto changed = std::make_shared<TopicInfo>(*current);
  changed->configs = configs;
  changed->log_config = defaults_;
  std::string error;
  if (!apply_topic_configs(changed->log_config, configs, error)) {
    return {ErrorCode::kInvalidConfig, error, nullptr};
  }
  if (validate_only) return {ErrorCode::kNone, "", changed};
  const auto path = kConfigsPath + "/" + name;
  auto rc = store_.set(path, config_znode_json(configs));
  if (rc == StoreError::kNoNode)
    rc = store_.create(path, config_znode_json(configs), cluster::CreateMode::kPersistent);
  if (rc != StoreError::kOk) {
    return {ErrorCode::kUnknownServerError,
            "metadata store: " + std::string(cluster::store_error_name(rc)), nullptr};
  }
  std::unique_lock lock(mutex_);
  topics_[name] = changed;
  return {ErrorCode::kNone, "", changed};
}

std::vector<TopicPtr> TopicRegistry::set_defaults(const storage::LogConfig& defaults) {
  std::lock_guard write(write_mutex_);
  defaults_ = defaults;
  std::unique_lock lock(mutex_);
  std::vector<TopicPtr> out;
  for (auto& [name, topic] : topics_) {
    auto changed = std::make_shared<TopicInfo>(*topic);
    changed->log_config = defaults_;
    std::string error;  // overrides were valid against any defaults: they do not depend on them
    if (!apply_topic_configs(changed->log_config, changed->configs, error)) {
      spdlog::warn("topic {}: {}", name, error);
    }
    topic = changed;
    out.push_back(changed);
  }
  return out;
}

TopicPtr TopicRegistry::find(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second;
}

TopicPtr TopicRegistry::find(const protocol::Uuid& id) const {
  std::shared_lock lock(mutex_);
  for (const auto& [_, topic] : topics_) {
    if (topic->id == id) return topic;
  }
  return nullptr;
}

std::vector<TopicPtr> TopicRegistry::all() const {
  std::shared_lock lock(mutex_);
  std::vector<TopicPtr> out;
  out.reserve(topics_.size());
  for (const auto& [_, topic] : topics_)
    out.push_back(topic);
  return out;
}

}  // namespace gregor::broker
