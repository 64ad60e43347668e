// Controller: the public methods, and winning, keeping and losing the controller role.
#include <spdlog/spdlog.h>

#include "cluster/controller.h"
#include "cluster/metadata_ops.h"
#include "common/clock.h"

namespace gregor::cluster {
namespace {

// Bounds the retries when other brokers bump /controller_epoch between our read and our write.
constexpr int kElectionAttempts = 10;

}  // namespace

Controller::Controller(MetadataStore& store, ControllerConfig config)
    : store_(store),
      config_(std::move(config)),
      events_(std::make_shared<EventThread>("controller")) {}

Controller::~Controller() {
  stop();
}

void Controller::start() {
  events_->start();
  events_->post([this] { elect(); });
}

void Controller::stop() {
  events_->stop();
  active_ = false;
}

void Controller::session_reestablished() {
  events_->post([this] {
    controller_watch_armed_ = brokers_watch_armed_ = topics_watch_armed_ = false;
    topic_watches_armed_.clear();
    resign("metadata store session expired");
    elect();
  });
}

std::future<ElectionResult> Controller::elect_preferred_leaders(
    std::optional<std::vector<TopicPartition>> partitions) {
  auto done = std::make_shared<std::promise<ElectionResult>>();
  elect_preferred_leaders(std::move(partitions),
                          [done](ElectionResult result) { done->set_value(std::move(result)); });
  return done->get_future();
}

std::future<ControlledShutdownResult> Controller::controlled_shutdown(int32_t broker_id) {
  auto done = std::make_shared<std::promise<ControlledShutdownResult>>();
  controlled_shutdown(
      broker_id, [done](ControlledShutdownResult result) { done->set_value(std::move(result)); });
  return done->get_future();
}

void Controller::elect_preferred_leaders(std::optional<std::vector<TopicPartition>> partitions,
                                         std::function<void(ElectionResult)> done) {
  events_->post([this, done = std::move(done), partitions = std::move(partitions)] {
    done(run_preferred_elections(partitions));
  });
}

void Controller::controlled_shutdown(int32_t broker_id,
                                     std::function<void(ControlledShutdownResult)> done) {
  events_->post(
      [this, done = std::move(done), broker_id] { done(run_controlled_shutdown(broker_id)); });
}

Watcher Controller::watcher_posting(std::function<void()> handler) {
  std::weak_ptr<EventThread> events = events_;
  return [events, handler = std::move(handler)](WatchEvent, const std::string&) {
    if (auto alive = events.lock()) alive->post(handler);
  };
}

// Creates /controller and increments /controller_epoch in one multi(), so the epoch we hold is
// exactly the one our creation made. Loses quietly if another broker holds /controller.
void Controller::elect() {
  if (active_) return;
  for (int attempt = 0; attempt < kElectionAttempts; ++attempt) {
    std::string data;
    Stat stat;
    StoreError rc = store_.get(kControllerEpochPath, data, &stat);
    if (rc == StoreError::kNoNode) {
      rc = store_.create(kControllerEpochPath, encode_controller_epoch(0), CreateMode::kPersistent);
      if (rc == StoreError::kOk || rc == StoreError::kNodeExists) continue;
    }
    if (rc != StoreError::kOk) {
      spdlog::error("controller: cannot read {}: {}", kControllerEpochPath, store_error_name(rc));
      break;
    }
    auto current = parse_controller_epoch(data);
    if (!current)
      spdlog::warn("controller: unreadable {} '{}', taken as 0", kControllerEpochPath, data);
    const int32_t next = current.value_or(0) + 1;
    std::vector<OpResult> results;
    auto me = encode_controller({config_.broker_id, wall_clock_ms()});
    rc = store_.multi(
        {StoreOp::create(kControllerPath, me, CreateMode::kEphemeral),
         StoreOp::set(kControllerEpochPath, encode_controller_epoch(next), stat.version)},
        &results);
    if (rc == StoreError::kOk) {
      epoch_version_ = stat.version + 1;
      epoch_ = next;
      spdlog::info("controller: broker {} is the controller, epoch {}", config_.broker_id, next);
      become_active();
      break;
    }
    if (results.size() == 2 && results[0].error == StoreError::kNodeExists) break;
    if (results.size() != 2 || results[1].error != StoreError::kBadVersion) {
      spdlog::error("controller: election failed: {}", store_error_name(rc));
      break;
    }
  }
  watch_controller();
}

// Keeps a watch on /controller and acts on what it holds: compete when it is gone, resign when
// another broker holds it.
void Controller::watch_controller() {
  Watcher watch;
  if (!controller_watch_armed_) {
    watch = watcher_posting([this] {
      controller_watch_armed_ = false;
      watch_controller();
    });
  }
  StoreError rc = store_.exists(kControllerPath, nullptr, std::move(watch));
  if (rc == StoreError::kOk || rc == StoreError::kNoNode) controller_watch_armed_ = true;
  std::string data;
  if (rc == StoreError::kOk) rc = store_.get(kControllerPath, data);
  if (rc == StoreError::kNoNode) {
    resign("/controller was deleted");
    events_->post([this] { elect(); });
    return;
  }
  if (rc != StoreError::kOk) return;
  auto holder = parse_controller(data);
  if (!holder || holder->broker_id != config_.broker_id) {
    resign("another broker is the controller");
  }
}

void Controller::become_active() {
  active_ = true;
  store_.create_recursive(kBrokerIdsPath, "");
  store_.create_recursive(kBrokerTopicsPath, "");
  load_brokers();
  load_topics();
  reconcile();
  if (config_.auto_leader_rebalance_enable) {
    events_->set_periodic(config_.leader_imbalance_check_interval,
                          [this] { check_leader_imbalance(); });
  }
}

void Controller::resign(const char* why) {
  if (!active_) return;
  spdlog::warn("controller: broker {} resigns as controller (epoch {}): {}", config_.broker_id,
               epoch_.load(), why);
  active_ = false;
  events_->set_periodic(std::chrono::milliseconds(0), {});
  live_brokers_.clear();
  shutting_down_.clear();
  topics_.clear();
}

}  // namespace gregor::cluster
