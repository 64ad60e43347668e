// The broker's place in the metadata store, in Kafka's znode layout: the persistent top-level
// paths every Kafka cluster has, and the broker's registration, the ephemeral
// /brokers/ids/<broker.id> holding Kafka's JSON (version 5) with its endpoints, which lives as
// long as the broker's session. `zkCli.sh ls /brokers/ids` lists the live brokers from it.
//
//   std::string error;
//   auto registration = BrokerRegistration::start(store, config, error);
//   if (!registration) return fail(error);  // e.g. another broker has this broker.id
//
// On ZooKeeper, a session expiry removes the registration (the ensemble thinks the broker
// died); BrokerRegistration then opens a new session and registers again, on its own thread.
// Thread-safe; stop() (or destruction) ends that thread before the store goes away.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/broker_config.h"
#include "cluster/metadata_store.h"
#include "cluster/zookeeper_metadata_store.h"

namespace gregor::broker {

// Kafka's registration JSON for this broker (version 5).
std::string registration_json(const BrokerConfig& config, int64_t timestamp_ms);

// Creates the persistent paths of Kafka's layout that are missing.
cluster::StoreError create_kafka_layout(cluster::MetadataStore& store);

class BrokerRegistration {
 public:
  // Creates the layout and registers the broker. `zookeeper` is `store` when it is the
  // ZooKeeper backend (sessions to renew), else null. On ZooKeeper, an existing registration
  // is given the session timeout (and a little more) to expire: it may be the one of this
  // broker before a crash. Null, with a one-line `error`, if the registration failed:
  // NODE_EXISTS means another live broker has the same broker.id.
  static std::unique_ptr<BrokerRegistration> start(cluster::MetadataStore& store,
                                                   cluster::ZooKeeperMetadataStore* zookeeper,
                                                   const BrokerConfig& config, std::string& error);
  ~BrokerRegistration();
  BrokerRegistration(const BrokerRegistration&) = delete;
  BrokerRegistration& operator=(const BrokerRegistration&) = delete;

  // Stops renewing sessions. The registration itself goes with the session (or the store).
  void stop();
  // Called on the renewal thread once a new session holds the registration again: the old
  // session's watches and ephemerals (such as /controller) are gone.
  void on_renewed(std::function<void()> listener);

  static std::string path(int32_t broker_id);

 private:
  BrokerRegistration(cluster::MetadataStore& store, cluster::ZooKeeperMetadataStore* zookeeper,
                     const BrokerConfig& config);
  cluster::StoreError register_broker();
  cluster::StoreError register_after_stale_one();
  void renew_sessions();  // the renewal thread

  cluster::MetadataStore& store_;
  cluster::ZooKeeperMetadataStore* zookeeper_;
  const BrokerConfig& config_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool expired_ = false;
  bool stopping_ = false;
  std::function<void()> renewed_;  // guarded by mu_
  std::thread renewer_;
};

}  // namespace gregor::broker
