#include "broker/listener_config.h"

#include <gtest/gtest.h>

namespace gregor::broker {
namespace {

ListenerSettings resolve_ok(const Properties& props) {
  std::string error;
  auto settings = resolve_listeners(props, error);
  EXPECT_TRUE(settings) << error;
  return settings.value_or(ListenerSettings{});
}

// The one-line error for `props`, empty when they are accepted.
std::string refusal(const Properties& props) {
  std::string error;
  auto settings = resolve_listeners(props, error);
  return settings ? "" : error;
}

TEST(ListenerConfigTest, WithoutListenerKeysServesPlaintextOnEveryInterfaceAt9092) {
  auto settings = resolve_ok({});
  ASSERT_EQ(settings.listeners.size(), 1u);
  EXPECT_EQ(listeners_text(settings.listeners), "PLAINTEXT://:9092");
  EXPECT_TRUE(settings.advertised.empty());
}

TEST(ListenerConfigTest, HostNamesWildcardsAndBracketedIpv6AreKeptAsWritten) {
  auto settings = resolve_ok(
      {{"listeners", "PLAINTEXT://localhost:9092,INTERNAL://0.0.0.0:9093,EXTERNAL://[::]:9094"},
       {"listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"}});
  ASSERT_EQ(settings.listeners.size(), 3u);
  EXPECT_EQ(settings.listeners[0].host, "localhost");
  EXPECT_EQ(settings.listeners[1].host, "0.0.0.0");
  EXPECT_EQ(settings.listeners[2].host, "::");
  EXPECT_EQ(settings.listeners[2].security_protocol, "PLAINTEXT");
  EXPECT_EQ(listeners_text(settings.listeners),
            "PLAINTEXT://localhost:9092,INTERNAL://0.0.0.0:9093,EXTERNAL://[::]:9094");
}

TEST(ListenerConfigTest, WildcardsAreAdvertisedAsLocalhost) {
  for (const char* host : {"", "0.0.0.0", "::"}) {
    EXPECT_EQ(advertised_host(Endpoint{"PLAINTEXT", host, 9092}), "localhost") << host;
  }
  EXPECT_EQ(advertised_host(Endpoint{"PLAINTEXT", "broker1.example", 9092}), "broker1.example");
}

TEST(ListenerConfigTest, LegacyKeysMakeOnePlaintextListener) {
  auto settings = resolve_ok({{"port", "9093"}, {"host.name", "127.0.0.1"}});
  EXPECT_EQ(listeners_text(settings.listeners), "PLAINTEXT://127.0.0.1:9093");
  EXPECT_TRUE(settings.advertised.empty());

  settings = resolve_ok({{"port", "9094"}});
  EXPECT_EQ(listeners_text(settings.listeners), "PLAINTEXT://:9094");
}

TEST(ListenerConfigTest, LegacyAdvertisedKeysDefaultToTheBindSideOnes) {
  auto settings = resolve_ok({{"port", "9093"}, {"advertised.host.name", "broker1.example"}});
  EXPECT_EQ(listeners_text(settings.advertised), "PLAINTEXT://broker1.example:9093");

  settings = resolve_ok({{"host.name", "127.0.0.2"}, {"advertised.port", "19093"}});
  EXPECT_EQ(listeners_text(settings.listeners), "PLAINTEXT://127.0.0.2:9092");
  EXPECT_EQ(listeners_text(settings.advertised), "PLAINTEXT://127.0.0.2:19093");
}

TEST(ListenerConfigTest, LegacyKeysBesideListenersAreRefused) {
  EXPECT_EQ(refusal({{"listeners", "PLAINTEXT://:9092"}, {"port", "9093"}}),
            "port cannot be set together with listeners (Kafka ignores it): remove it, or put "
            "the address in listeners");
  EXPECT_NE(refusal({{"listeners", "PLAINTEXT://:9092"}, {"host.name", "x"}}).find("host.name"),
            std::string::npos);
  EXPECT_NE(refusal({{"listeners", "PLAINTEXT://:9092"}, {"advertised.port", "1"}})
                .find("advertised.port"),
            std::string::npos);
  EXPECT_NE(refusal({{"advertised.listeners", "PLAINTEXT://a:1"}, {"advertised.host.name", "b"}})
                .find("advertised.host.name"),
            std::string::npos);
}

TEST(ListenerConfigTest, BadValuesNameTheKeyAndTheValue) {
  EXPECT_EQ(refusal({{"port", "70000"}}).rfind("invalid value '70000' for port: ", 0), 0u);
  EXPECT_EQ(refusal({{"listeners", "localhost:9092"}}),
            "invalid value 'localhost:9092' for listeners: 'localhost:9092' is not of the form "
            "NAME://host:port");
  EXPECT_NE(refusal({{"listeners", "PLAINTEXT://::1:9092"}}).find("brackets"), std::string::npos);
  EXPECT_NE(refusal({{"listener.security.protocol.map", "PLAINTEXT:TLS"}})
                .find("for listener.security.protocol.map"),
            std::string::npos);
}

TEST(ListenerConfigTest, ListenerNamesMustBeMappedUniqueAndAdvertisedOnlyIfListened) {
  EXPECT_EQ(refusal({{"listeners", "CLIENT://:9092"}}),
            "listener name CLIENT is not in listener.security.protocol.map");
  EXPECT_EQ(refusal({{"listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093"}}),
            "listener name PLAINTEXT appears twice");
  EXPECT_EQ(
      refusal({{"listeners", "PLAINTEXT://:9092"}, {"advertised.listeners", "SSL://host:9093"}}),
      "advertised.listeners: listener name SSL is not one of the names in listeners");
  EXPECT_NE(refusal({{"advertised.listeners", "PLAINTEXT://0.0.0.0:9092"}}).find("wildcard"),
            std::string::npos);
}

TEST(ListenerConfigTest, ProtocolsNotServedYetAreRefusedRatherThanServedInPlaintext) {
  EXPECT_EQ(refusal({{"listeners", "SSL://127.0.0.1:9093"},
                     {"listener.security.protocol.map", "SSL:SSL"}}),
            "listeners: SSL://127.0.0.1:9093 uses security protocol SSL, which Gregor does not "
            "serve yet (only PLAINTEXT)");
  EXPECT_NE(refusal({{"listeners", "PLAINTEXT://:9092,SECURE://:9093"},
                     {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SECURE:SASL_SSL"}})
                .find("SASL_SSL"),
            std::string::npos);
}

}  // namespace
}  // namespace gregor::broker
