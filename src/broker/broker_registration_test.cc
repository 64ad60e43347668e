// The broker's registration and Kafka's layout, on the embedded store (the ZooKeeper one is
// exercised end to end by tests/system/test_zookeeper.py).
#include "broker/broker_registration.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/testing_store.h"

namespace gregor::broker {
namespace {

using cluster::StoreError;
using Json = nlohmann::json;

BrokerConfig config_with(std::vector<Endpoint> listeners, const std::string& rack = "") {
  BrokerConfig config;
  config.broker_id = 7;
  config.listeners = std::move(listeners);
  config.broker_rack = rack;
  return config;
}

const Endpoint kPlaintext{"PLAINTEXT", "127.0.0.1", 9092};

TEST(RegistrationJsonTest, HasKafkasVersion5Fields) {
  Json doc = Json::parse(registration_json(config_with({kPlaintext}, "rack-a"), 1700000000123));
  EXPECT_EQ(doc["version"], 5);
  EXPECT_EQ(doc["endpoints"], Json::array({"PLAINTEXT://127.0.0.1:9092"}));
  EXPECT_EQ(doc["listener_security_protocol_map"], Json({{"PLAINTEXT", "PLAINTEXT"}}));
  EXPECT_EQ(doc["host"], "127.0.0.1");
  EXPECT_EQ(doc["port"], 9092);
  EXPECT_EQ(doc["rack"], "rack-a");
  EXPECT_EQ(doc["jmx_port"], -1);
  EXPECT_EQ(doc["timestamp"], "1700000000123");  // a string, as Kafka writes it
  EXPECT_EQ(doc["features"], Json::object());
}

TEST(RegistrationJsonTest, NoPlaintextListenerMeansNoHostAndPort) {
  Json doc = Json::parse(registration_json(config_with({{"INTERNAL", "", 9093}}), 1));
  EXPECT_EQ(doc["endpoints"], Json::array({"INTERNAL://localhost:9093"}));
  EXPECT_EQ(doc["listener_security_protocol_map"], Json({{"INTERNAL", "PLAINTEXT"}}));
  EXPECT_TRUE(doc["host"].is_null());
  EXPECT_EQ(doc["port"], -1);
  EXPECT_TRUE(doc["rack"].is_null());
}

class BrokerRegistrationTest : public cluster::testing::EmbeddedStoreFixture {};

TEST_F(BrokerRegistrationTest, CreatesKafkasLayoutAndAnEphemeralRegistration) {
  BrokerConfig config = config_with({kPlaintext});
  std::string error;
  auto registration = BrokerRegistration::start(*store_, nullptr, config, error);
  ASSERT_TRUE(registration) << error;
  for (const char* path : {"/brokers/ids", "/brokers/topics", "/config/topics", "/config/changes",
                           "/admin/delete_topics", "/isr_change_notification"}) {
    EXPECT_EQ(store_->exists(path), StoreError::kOk) << path;
  }
  cluster::Stat stat;
  ASSERT_EQ(store_->exists("/brokers/ids/7", &stat), StoreError::kOk);
  EXPECT_TRUE(stat.ephemeral);
  EXPECT_EQ(Json::parse(get("/brokers/ids/7"))["port"], 9092);
  // Starting again over an existing layout is fine; only the registration must be new.
  ASSERT_EQ(store_->remove("/brokers/ids/7"), StoreError::kOk);
  EXPECT_TRUE(BrokerRegistration::start(*store_, nullptr, config, error)) << error;
}

TEST_F(BrokerRegistrationTest, SecondBrokerWithTheSameIdIsRefused) {
  BrokerConfig config = config_with({kPlaintext});
  std::string error;
  auto first = BrokerRegistration::start(*store_, nullptr, config, error);
  ASSERT_TRUE(first) << error;
  EXPECT_FALSE(BrokerRegistration::start(*store_, nullptr, config, error));
  EXPECT_EQ(error,
            "broker.id 7 is already registered at /brokers/ids/7: another broker with this id "
            "is running");
}

}  // namespace
}  // namespace gregor::broker
