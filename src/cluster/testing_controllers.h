// Test helpers for src/cluster tests only: a gtest fixture running several "brokers" against one
// InMemoryCluster, each with its own session, registration under /brokers/ids and Controller.
//
//   class MyTest : public testing::ControllerFixture {};
//   TEST_F(MyTest, Failover) {
//     start_brokers({1, 2, 3});
//     create_topic("t", {{1, 2, 3}});
//     kill_broker(1);
//     EXPECT_EQ(state("t", 0).leader, 2);
//   }
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/controller.h"
#include "cluster/testing_cluster.h"

namespace gregor::cluster::testing {

// Registers broker `id` on `session` as a broker does at start (ephemeral /brokers/ids/<id>).
inline void register_test_broker(MetadataStore& session, int32_t id) {
  session.create_recursive(kBrokerIdsPath, "");
  BrokerRegistration registration{
      id, {{"PLAINTEXT", "PLAINTEXT", "localhost", 9000 + id}}, std::nullopt, 1, -1};
  ASSERT_EQ(session.create(broker_path(id), encode_broker_registration(registration),
                           CreateMode::kEphemeral),
            StoreError::kOk);
}

// The broker named by /controller; -1 when there is none.
inline int32_t read_controller_id(MetadataStore& store) {
  std::string data;
  if (store.get(kControllerPath, data) != StoreError::kOk) return -1;
  return parse_controller(data).value_or(ControllerRegistration{}).broker_id;
}

// The partition's state znode; a default (leader -1, no ISR) state when it has none.
inline LeaderAndIsr read_state(MetadataStore& store, const std::string& topic, int32_t partition) {
  std::string data;
  if (store.get(partition_state_path(topic, partition), data) != StoreError::kOk) return {};
  auto parsed = parse_leader_and_isr(data);
  EXPECT_TRUE(parsed) << data;
  return parsed.value_or(LeaderAndIsr{});
}

class ControllerFixture : public ::testing::Test {
 public:
  struct Broker {
    std::unique_ptr<InMemoryCluster::Session> session;
    std::unique_ptr<Controller> controller;
  };

  void TearDown() override {
    for (auto& [id, broker] : brokers_)
      broker.controller->stop();
    brokers_.clear();
  }

  // Broker `id`'s controller config: `defaults_` (which tests may change before starting
  // brokers) with its id.
  ControllerConfig config_for(int32_t id) const {
    ControllerConfig config = defaults_;
    config.broker_id = id;
    return config;
  }

  void start_broker(int32_t id) {
    Broker broker{zk_.connect(), nullptr};
    register_broker(*broker.session, id);
    broker.controller = std::make_unique<Controller>(*broker.session, config_for(id));
    broker.controller->start();
    brokers_[id] = std::move(broker);
    settle();
  }
  void start_brokers(const std::vector<int32_t>& ids) {
    for (int32_t id : ids)
      start_broker(id);
  }

  // The broker process dies: its controller stops and its session closes.
  void kill_broker(int32_t id) {
    brokers_.at(id).controller->stop();
    brokers_.erase(id);
    settle();
  }

  // The broker's session expires under it (e.g. a long pause); it comes back with a new session
  // only when `reconnect`.
  void expire_session(int32_t id, bool reconnect) {
    Broker& broker = brokers_.at(id);
    zk_.expire(*broker.session);
    settle();
    if (!reconnect) return;
    register_broker(*broker.session, id);
    broker.controller->session_reestablished();
    settle();
  }

  void register_broker(MetadataStore& session, int32_t id) { register_test_broker(session, id); }

  // Lets every queued event run, including the ones those events cause on other brokers.
  void settle() {
    for (int round = 0; round < 4; ++round) {
      for (auto& [id, broker] : brokers_)
        broker.controller->sync();
    }
  }

  // Waits, boundedly, for a condition that needs real time (periodic tasks).
  template <typename Pred>
  bool eventually(Pred pred) {
    for (int attempt = 0; attempt < 400; ++attempt) {
      settle();
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  void create_topic(const std::string& name, const std::vector<std::vector<int32_t>>& replicas) {
    ASSERT_EQ(admin_->create_recursive(topic_path(name), topic_json(replicas)), StoreError::kOk);
    settle();
  }
  void set_assignment(const std::string& name, const std::vector<std::vector<int32_t>>& replicas) {
    ASSERT_EQ(admin_->set(topic_path(name), topic_json(replicas)), StoreError::kOk);
    settle();
  }
  static std::string topic_json(const std::vector<std::vector<int32_t>>& replicas) {
    nlohmann::json partitions = nlohmann::json::object();
    for (size_t p = 0; p < replicas.size(); ++p)
      partitions[std::to_string(p)] = replicas[p];
    return nlohmann::json{{"version", 3}, {"partitions", partitions}}.dump();
  }

  LeaderAndIsr state(const std::string& topic, int32_t partition) {
    return read_state(*admin_, topic, partition);
  }
  bool has_state(const std::string& topic, int32_t partition) {
    return admin_->exists(partition_state_path(topic, partition)) == StoreError::kOk;
  }
  // Overwrites the state, as a partition leader shrinking or expanding its ISR would.
  void write_state(const std::string& topic, int32_t partition, const LeaderAndIsr& s) {
    ASSERT_EQ(admin_->set(partition_state_path(topic, partition), encode_leader_and_isr(s)),
              StoreError::kOk);
  }

  int32_t controller_id() { return read_controller_id(*admin_); }
  int32_t controller_epoch() {
    std::string data;
    if (admin_->get(kControllerEpochPath, data) != StoreError::kOk) return -1;
    return parse_controller_epoch(data).value_or(-1);
  }
  std::vector<int32_t> active_controllers() {
    std::vector<int32_t> ids;
    for (auto& [id, broker] : brokers_) {
      if (broker.controller->is_active()) ids.push_back(id);
    }
    return ids;
  }
  Controller& controller(int32_t id) { return *brokers_.at(id).controller; }
  Controller& active() { return controller(controller_id()); }

  // Automatic rebalance off unless a test turns it on; then it checks often.
  ControllerConfig defaults_{.auto_leader_rebalance_enable = false,
                             .leader_imbalance_check_interval = std::chrono::milliseconds(10)};
  InMemoryCluster zk_;
  std::unique_ptr<InMemoryCluster::Session> admin_ = zk_.connect();
  std::map<int32_t, Broker> brokers_;
};

}  // namespace gregor::cluster::testing
