#include "broker/broker_registration.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "cluster/partition_state.h"
#include "common/clock.h"
#include "common/thread_name.h"

namespace gregor::broker {
namespace {

using cluster::CreateMode;
using cluster::StoreError;

// The persistent paths a Kafka cluster's brokers create at start-up (the facts of Kafka's
// layout), so that Kafka tools reading ZooKeeper find them.
constexpr const char* kPersistentPaths[] = {
    "/consumers",
    "/brokers/ids",
    "/brokers/topics",
    "/brokers/seqid",
    "/config/changes",
    "/config/clients",
    "/config/brokers",
    "/config/topics",
    "/config/users",
    "/config/ips",
    "/admin/delete_topics",
    "/isr_change_notification",
    "/latest_producer_id_block",
    "/log_dir_event_notification",
};

// How long after the session timeout a stale registration may still be there: ZooKeeper
// expires sessions on its tick (tickTime, 2 s by default).
constexpr std::chrono::milliseconds kExpiryMargin{3000};

}  // namespace

std::string registration_json(const BrokerConfig& config, int64_t timestamp_ms) {
  const auto& listed =
      config.advertised_listeners.empty() ? config.listeners : config.advertised_listeners;
  cluster::BrokerRegistration registration{.id = config.broker_id, .timestamp_ms = timestamp_ms};
  for (const Endpoint& endpoint : listed) {
    registration.endpoints.push_back({endpoint.listener_name, endpoint.security_protocol,
                                      advertised_host(endpoint), endpoint.port});
  }
  if (!config.broker_rack.empty()) registration.rack = config.broker_rack;
  return cluster::encode_broker_registration(registration);
}

StoreError create_kafka_layout(cluster::MetadataStore& store) {
  for (const char* path : kPersistentPaths) {
    StoreError e = store.create_recursive(path, "");
    if (e != StoreError::kOk && e != StoreError::kNodeExists) return e;
  }
  return StoreError::kOk;
}

std::string BrokerRegistration::path(int32_t broker_id) {
  return "/brokers/ids/" + std::to_string(broker_id);
}

std::unique_ptr<BrokerRegistration> BrokerRegistration::start(
    cluster::MetadataStore& store, cluster::ZooKeeperMetadataStore* zookeeper,
    const BrokerConfig& config, std::string& error) {
  if (StoreError e = create_kafka_layout(store); e != StoreError::kOk) {
    error = "cannot create the metadata layout: " + std::string(store_error_name(e));
    return nullptr;
  }
  std::unique_ptr<BrokerRegistration> registration(
      new BrokerRegistration(store, zookeeper, config));
  const std::string at = path(config.broker_id);
  StoreError e = registration->register_after_stale_one();
  if (e == StoreError::kNodeExists) {
    error = "broker.id " + std::to_string(config.broker_id) + " is already registered at " + at +
            ": another broker with this id is running";
    if (zookeeper) {
      error += " (its registration did not expire within zookeeper.session.timeout.ms=" +
               std::to_string(config.zookeeper_session_timeout_ms) + ")";
    }
    return nullptr;
  }
  if (e != StoreError::kOk) {
    error = "cannot register the broker at " + at + ": " + std::string(store_error_name(e));
    return nullptr;
  }
  if (zookeeper) {
    zookeeper->set_session_expired_listener([r = registration.get()] {
      std::lock_guard lock(r->mu_);
      r->expired_ = true;
      r->wake_.notify_all();
    });
    registration->renewer_ = std::thread([r = registration.get()] { r->renew_sessions(); });
    name_thread(registration->renewer_, "registration");
  }
  return registration;
}

BrokerRegistration::BrokerRegistration(cluster::MetadataStore& store,
                                       cluster::ZooKeeperMetadataStore* zookeeper,
                                       const BrokerConfig& config)
    : store_(store), zookeeper_(zookeeper), config_(config) {}

BrokerRegistration::~BrokerRegistration() {
  stop();
}

void BrokerRegistration::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (renewer_.joinable()) renewer_.join();
  if (zookeeper_) zookeeper_->set_session_expired_listener({});
}

StoreError BrokerRegistration::register_broker() {
  return store_.create(path(config_.broker_id), registration_json(config_, wall_clock_ms()),
                       CreateMode::kEphemeral);
}

// A broker that died moments ago (kill -9, crash) leaves its registration until ZooKeeper
// expires its session; a restart waits that long for it to go. A live broker's stays.
StoreError BrokerRegistration::register_after_stale_one() {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() +
                        std::chrono::milliseconds(config_.zookeeper_session_timeout_ms) +
                        kExpiryMargin;
  struct Gone {
    std::mutex mu;
    std::condition_variable cv;
    bool gone = false;
  };
  for (bool logged = false;; logged = true) {
    StoreError e = register_broker();
    if (e != StoreError::kNodeExists || !zookeeper_ || Clock::now() >= deadline) return e;
    if (!logged) {
      spdlog::warn(
          "{} exists: waiting up to zookeeper.session.timeout.ms for the registration "
          "of a previous broker {} to expire",
          path(config_.broker_id), config_.broker_id);
    }
    auto gone = std::make_shared<Gone>();  // the watcher may fire after this returns
    StoreError watched = store_.exists(path(config_.broker_id), nullptr,
                                       [gone](cluster::WatchEvent, const std::string&) {
                                         std::lock_guard lock(gone->mu);
                                         gone->gone = true;
                                         gone->cv.notify_all();
                                       });
    if (watched != StoreError::kOk) continue;  // gone already (or an error create will show)
    std::unique_lock lock(gone->mu);
    gone->cv.wait_until(lock, deadline, [&] { return gone->gone; });
  }
}

void BrokerRegistration::on_renewed(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  renewed_ = std::move(listener);
}

// Waits for an expiry, then opens sessions until one takes the registration again, once a
// second at most, until stopped.
void BrokerRegistration::renew_sessions() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait(lock, [&] { return stopping_ || expired_; });
    if (stopping_) break;
    lock.unlock();
    spdlog::warn("ZooKeeper session expired: broker {} is no longer registered; reconnecting",
                 config_.broker_id);
    std::string error;
    bool renewed = zookeeper_->reconnect(error);
    StoreError e = renewed ? register_broker() : StoreError::kConnectionLoss;
    if (e == StoreError::kOk) {
      spdlog::info("broker {} registered again at {}", config_.broker_id, path(config_.broker_id));
      std::function<void()> renewed;
      {
        std::lock_guard guard(mu_);
        renewed = renewed_;
      }
      if (renewed) renewed();
    } else {
      spdlog::error("cannot register broker {} again: {}", config_.broker_id,
                    renewed ? std::string(store_error_name(e)) : error);
    }
    lock.lock();
    expired_ = e != StoreError::kOk;  // retry until registered
    if (expired_) wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
  }
}

}  // namespace gregor::broker
