// Controller: reading live brokers, topic assignments and partition states into the cache, with
// the watches that bring the controller back when they change. Runs on the event thread.
#include <spdlog/spdlog.h>

#include "cluster/controller.h"

namespace gregor::cluster {

// Lists `path`'s children, with a watch that reloads them through `reload` and reconciles,
// unless one is armed already. False (logged) if the store fails.
bool Controller::children_watched(const std::string& path, bool& armed,
                                  void (Controller::*reload)(), std::vector<std::string>& names) {
  Watcher watch;
  if (!armed) {
    watch = watcher_posting([this, &armed, reload] {
      armed = false;
      if (!active_) return;
      (this->*reload)();
      reconcile();
    });
  }
  StoreError rc = store_.children(path, names, std::move(watch));
  if (rc != StoreError::kOk) {
    spdlog::error("controller: cannot list {}: {}", path, store_error_name(rc));
    return false;
  }
  armed = true;
  return true;
}

void Controller::load_brokers() {
  std::vector<std::string> names;
  if (!children_watched(kBrokerIdsPath, brokers_watch_armed_, &Controller::load_brokers, names)) {
    return;
  }
  BrokerSet live;
  registered_ms_.clear();
  for (const auto& name : names) {
    auto id = parse_znode_number(name);
    Stat stat;
    if (!id || store_.exists(broker_path(*id), &stat) != StoreError::kOk) continue;  // gone
    live.insert(*id);
    registered_ms_[*id] = stat.ctime_ms;
  }
  for (int32_t id : live) {
    if (!live_brokers_.contains(id)) spdlog::info("controller: broker {} is alive", id);
  }
  for (int32_t id : live_brokers_) {
    if (!live.contains(id)) spdlog::warn("controller: broker {} is gone", id);
  }
  live_brokers_ = std::move(live);
  std::erase_if(shutting_down_, [&](int32_t id) { return !live_brokers_.contains(id); });
}

void Controller::load_topics() {
  std::vector<std::string> names;
  if (!children_watched(kBrokerTopicsPath, topics_watch_armed_, &Controller::load_topics, names)) {
    return;
  }
  std::set<std::string> present(names.begin(), names.end());
  std::erase_if(topics_, [&](const auto& entry) { return !present.contains(entry.first); });
  for (const auto& name : names) {
    if (!topics_.contains(name)) load_topic(name);
  }
}

// (Re)reads /brokers/topics/<t>: new partitions get their state read (or, by reconcile(), made).
void Controller::load_topic(const std::string& name) {
  Watcher watch;
  if (!topic_watches_armed_.contains(name)) {
    watch = watcher_posting([this, name] {
      topic_watches_armed_.erase(name);
      if (!active_) return;
      load_topic(name);
      reconcile();
    });
  }
  std::string data;
  StoreError rc = store_.get(topic_path(name), data, nullptr, std::move(watch));
  if (rc == StoreError::kNoNode) {
    topics_.erase(name);
    return;
  }
  if (rc != StoreError::kOk) {
    spdlog::error("controller: cannot read topic {}: {}", name, store_error_name(rc));
    return;
  }
  topic_watches_armed_.insert(name);
  auto assignment = parse_topic_assignment(data);
  if (!assignment) {
    spdlog::error("controller: ignoring topic {}: unreadable assignment {}", name, data);
    return;
  }
  Topic& topic = topics_[name];
  std::string config;
  topic.unclean_override = store_.get(kTopicConfigsPath + "/" + name, config) == StoreError::kOk
                               ? parse_unclean_election_override(config)
                               : std::nullopt;
  const auto moves =
      parse_topic_reassignments(data).value_or(std::map<int32_t, PartitionReassignment>{});
  for (auto& [id, replicas] : *assignment) {
    auto [it, is_new] = topic.partitions.try_emplace(id);
    it->second.replicas = std::move(replicas);
    auto move = moves.find(id);
    it->second.reassignment = move == moves.end() ? PartitionReassignment{} : move->second;
    if (is_new) load_partition_state(name, id, it->second);
  }
}

void Controller::load_partition_state(const std::string& topic, int32_t partition_id,
                                      Partition& partition) {
  std::string data;
  Stat stat;
  partition.state.reset();
  partition.state_version = -1;
  StoreError rc = store_.get(partition_state_path(topic, partition_id), data, &stat);
  if (rc != StoreError::kOk) {
    if (rc != StoreError::kNoNode) {
      spdlog::error("controller: cannot read {}-{} state: {}", topic, partition_id,
                    store_error_name(rc));
    }
    return;
  }
  partition.state_version = stat.version;
  partition.state_mtime_ms = stat.mtime_ms;
  partition.state = parse_leader_and_isr(data);
  // A corrupt state is rewritten from scratch (the version is kept for the compare-and-set).
  if (!partition.state) {
    spdlog::error("controller: {}-{} has an unreadable state '{}'", topic, partition_id, data);
  }
}

BrokerSet Controller::eligible_brokers() const {
  BrokerSet eligible;
  for (int32_t id : live_brokers_) {
    if (!shutting_down_.contains(id)) eligible.insert(id);
  }
  return eligible;
}

BrokerSet Controller::restarted_since(int64_t state_mtime_ms) const {
  BrokerSet restarted;
  for (const auto& [id, registered] : registered_ms_) {
    if (registered > state_mtime_ms) restarted.insert(id);
  }
  return restarted;
}

bool Controller::unclean_allowed(const Topic& topic) const {
  return topic.unclean_override.value_or(config_.unclean_leader_election_enable);
}

Controller::Partition* Controller::find(const TopicPartition& tp) {
  auto topic = topics_.find(tp.topic);
  if (topic == topics_.end()) return nullptr;
  auto partition = topic->second.partitions.find(tp.partition);
  return partition == topic->second.partitions.end() ? nullptr : &partition->second;
}

}  // namespace gregor::cluster
