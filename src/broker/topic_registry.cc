#include "broker/topic_registry.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <set>

#include "broker/config_znode.h"
#include "broker/topic_name.h"
#include "cluster/partition_election.h"
#include "common/config_value.h"

namespace gregor::broker {
namespace {

using Json = nlohmann::json;
using cluster::StoreError;

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
  if (auto moves = cluster::parse_topic_reassignments(topic_data)) {
    for (auto& [p, move] : *moves) {
      if (!move.removing.empty()) topic.removing[p] = std::move(move.removing);
    }
  }
  topic.configs = parse_config_znode(config_data);
  return true;
}

// Why an explicit assignment (CreateTopics' assignments) cannot be used, as Kafka words it.
std::optional<std::string> check_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                            const std::vector<cluster::BrokerPlacement>& live) {
  std::set<int32_t> known;
  for (const auto& broker : live)
    known.insert(broker.id);
  for (size_t p = 0; p < assignment.size(); ++p) {
    const auto& replicas = assignment[p];
    if (replicas.empty()) return "Partition " + std::to_string(p) + " has no replicas.";
    if (replicas.size() != assignment.front().size()) {
      return std::string("All partitions should have the same number of replicas.");
    }
    std::set<int32_t> seen;
    for (int32_t id : replicas) {
      if (!seen.insert(id).second) {
        return "Duplicate brokers not allowed in replica assignment: " + std::to_string(id) +
               " for partition id " + std::to_string(p) + ".";
      }
      if (!known.contains(id)) {
        return "Unknown broker(s) in replica assignment: " + std::to_string(id) + ".";
      }
    }
  }
  return std::nullopt;
}

// The live broker ids, the replicas that may lead a new partition.
cluster::BrokerSet live_ids(const std::vector<cluster::BrokerPlacement>& live) {
  cluster::BrokerSet ids;
  for (const auto& broker : live)
    ids.insert(broker.id);
  return ids;
}

}  // namespace

TopicRegistry::TopicRegistry(cluster::MetadataStore& store, storage::LogConfig defaults,
                             LiveBrokers brokers)
    : store_(store), defaults_(std::move(defaults)), live_brokers_(std::move(brokers)) {}

ErrorCode TopicRegistry::load(std::string& error) {
  store_.create_recursive(cluster::kBrokerTopicsPath, "");
  store_.create_recursive(cluster::kTopicConfigsPath, "");
  std::vector<std::string> names;
  if (auto rc = store_.children(cluster::kBrokerTopicsPath, names); rc != StoreError::kOk) {
    error = "cannot list " + cluster::kBrokerTopicsPath + ": " +
            std::string(cluster::store_error_name(rc));
    return ErrorCode::kUnknownServerError;
  }
  std::lock_guard write(write_mutex_);
  for (const auto& name : names) {
    auto topic = read_topic(name);
    std::unique_lock lock(mutex_);
    if (topic) topics_[name] = std::move(topic);
  }
  return ErrorCode::kNone;
}

std::optional<TopicPtr> TopicRegistry::reload(
    const std::string& name, const std::function<void(const TopicInfo&)>& before_visible) {
  std::lock_guard write(write_mutex_);
  StoreError store_error = StoreError::kOk;
  auto topic = read_topic(name, &store_error);
  if (store_error != StoreError::kOk) return std::nullopt;
  if (topic && before_visible) before_visible(*topic);
  std::unique_lock lock(mutex_);
  if (topic) {
    topics_[name] = topic;
  } else {
    topics_.erase(name);
  }
  return topic;
}

std::shared_ptr<TopicInfo> TopicRegistry::read_topic(const std::string& name,
                                                     StoreError* store_error) const {
  std::string topic_data, config_data;
  // A read the store could not answer (connection loss), as against a missing node.
  auto unanswered = [store_error](StoreError rc) {
    if (rc == StoreError::kOk || rc == StoreError::kNoNode) return false;
    if (store_error) *store_error = rc;
    return true;
  };
  const StoreError topic_rc = store_.get(cluster::topic_path(name), topic_data);
  if (topic_rc != StoreError::kOk) {
    unanswered(topic_rc);
    return nullptr;
  }
  // Without its config a topic would fall back to the defaults (retention, cleanup policy):
  // an unreadable config is an unreadable topic. A missing one means no overrides.
  if (unanswered(store_.get(cluster::kTopicConfigsPath + "/" + name, config_data))) return nullptr;
  auto topic = std::make_shared<TopicInfo>();
  topic->name = name;
  if (!parse_topic(topic_data, config_data, *topic)) {
    spdlog::error("ignoring topic {}: unreadable metadata {}", name, topic_data);
    return nullptr;
  }
  topic->log_config = defaults_;
  std::string config_error;
  if (!apply_topic_configs(topic->log_config, topic->configs, config_error)) {
    spdlog::warn("topic {}: {}; using broker defaults", name, config_error);
    topic->log_config = defaults_;
  }
  return topic;
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
  std::vector<std::vector<int32_t>> replicas = assignment;
  if (assignment.empty()) {
    auto placed = cluster::assign_replicas(live_brokers_(), partitions, replication_factor, rng_);
    if (!placed.ok()) return {placed.error, placed.message, nullptr};
    replicas = std::move(placed.replicas);
  } else if (auto refused = check_assignment(assignment, live_brokers_())) {
    return {ErrorCode::kInvalidReplicaAssignment, *refused, nullptr};
  }
  storage::LogConfig log_config = defaults_;
  std::string error;
  if (!apply_topic_configs(log_config, configs, error)) {
    return {ErrorCode::kInvalidConfig, error, nullptr};
  }
  auto topic = std::make_shared<TopicInfo>();
  topic->name = name;
  topic->id = protocol::Uuid::random();
  topic->replicas = std::move(replicas);
  topic->configs = configs;
  topic->log_config = log_config;
  return {ErrorCode::kNone, "", std::move(topic)};
}

// The topic znode and, in the same multi, the state of each new partition, so that the new
// partitions have leaders at once (the controller would otherwise write them a moment later).
StoreError TopicRegistry::persist(const TopicInfo& topic, bool is_new, TopicResult& result,
                                  int32_t first_new_partition) {
  const auto path = cluster::topic_path(topic.name);
  std::vector<cluster::StoreOp> ops;
  if (is_new) {
    ops.push_back(cluster::StoreOp::create(cluster::kTopicConfigsPath + "/" + topic.name,
                                           config_znode_json(topic.configs)));
    ops.push_back(cluster::StoreOp::create(path, topic_json(topic)));
    ops.push_back(cluster::StoreOp::create(cluster::partitions_path(topic.name), ""));
  } else {
    ops.push_back(cluster::StoreOp::set(path, topic_json(topic)));
  }
  std::string epoch_data;
  store_.get(cluster::kControllerEpochPath, epoch_data);
  const int32_t controller_epoch = cluster::parse_controller_epoch(epoch_data).value_or(0);
  const auto eligible = live_ids(live_brokers_());
  for (int32_t p = first_new_partition; p < topic.partition_count(); ++p) {
    auto state = cluster::initial_leadership(topic.replicas[static_cast<size_t>(p)], eligible,
                                             controller_epoch);
    if (!state) continue;
    ops.push_back(cluster::StoreOp::create(cluster::partition_path(topic.name, p), ""));
    ops.push_back(cluster::StoreOp::create(cluster::partition_state_path(topic.name, p),
                                           cluster::encode_leader_and_isr(*state)));
    result.initial_states[p] = *state;
  }
  return store_.multi(ops);
}

TopicResult TopicRegistry::create(const std::string& name, int32_t partitions,
                                  int16_t replication_factor,
                                  const std::vector<std::vector<int32_t>>& assignment,
                                  const TopicConfigs& configs, bool validate_only) {
  std::lock_guard write(write_mutex_);
  auto result = validate_new(name, partitions, replication_factor, assignment, configs);
  if (result.error != ErrorCode::kNone || validate_only) return result;
  if (auto rc = persist(*result.topic, /*is_new=*/true, result, 0); rc != StoreError::kOk) {
    // Created through another broker a moment ago, whose znode this one has not seen yet.
    if (rc == StoreError::kNodeExists) {
      return {ErrorCode::kTopicAlreadyExists, "Topic '" + name + "' already exists.", nullptr};
    }
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
  store_.remove_recursive(cluster::topic_path(name));
  store_.remove_recursive(cluster::kTopicConfigsPath + "/" + name);
  std::unique_lock lock(mutex_);
  topics_.erase(name);
  return {ErrorCode::kNone, "", topic};
}

TopicResult TopicRegistry::add_partitions(const std::string& name, int32_t new_count,
                                          const std::vector<std::vector<int32_t>>& assignment,
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
  std::string znode;
  store_.get(cluster::topic_path(name), znode);
  auto moves = cluster::parse_topic_reassignments(znode);
  if (moves && !moves->empty()) {
    return {ErrorCode::kReassignmentInProgress,
            "A partition reassignment is in progress for the topic '" + name + "'.", nullptr};
  }
  cluster::AssignmentResult placed;
  if (assignment.empty()) {
    placed = cluster::assign_added_partitions(live_brokers_(), current->replicas, new_count, rng_);
    if (!placed.ok()) return {placed.error, placed.message, nullptr};
  } else {
    const auto added = new_count - current->partition_count();
    if (static_cast<int32_t>(assignment.size()) != added) {
      return {ErrorCode::kInvalidReplicaAssignment,
              "Increasing the number of partitions by " + std::to_string(added) + " but " +
                  std::to_string(assignment.size()) + " assignments provided.",
              nullptr};
    }
    auto all = current->replicas;
    all.insert(all.end(), assignment.begin(), assignment.end());
    if (auto refused = check_assignment(all, live_brokers_())) {
      return {ErrorCode::kInvalidReplicaAssignment, *refused, nullptr};
    }
    placed.replicas = assignment;
  }
  auto grown = std::make_shared<TopicInfo>(*current);
  grown->replicas.insert(grown->replicas.end(), placed.replicas.begin(), placed.replicas.end());
  if (validate_only) return {ErrorCode::kNone, "", grown};
  TopicResult result{ErrorCode::kNone, "", grown, {}};
  if (auto rc = persist(*grown, /*is_new=*/false, result, current->partition_count());
      rc != StoreError::kOk) {
    return {ErrorCode::kUnknownServerError,
            "metadata store: " + std::string(cluster::store_error_name(rc)), nullptr};
  }
  std::unique_lock lock(mutex_);
  topics_[name] = grown;
  return result;
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
  const auto path = cluster::kTopicConfigsPath + "/" + name;
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
