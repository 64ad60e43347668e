#include "cluster/partition_state.h"

#include <gtest/gtest.h>

namespace gregor::cluster {
namespace {

TEST(PartitionStateTest, PathsFollowKafkasLayout) {
  EXPECT_EQ(broker_path(3), "/brokers/ids/3");
  EXPECT_EQ(partition_state_path("orders", 7), "/brokers/topics/orders/partitions/7/state");
}

TEST(PartitionStateTest, ZnodeNumbersAreDecimalOnly) {
  EXPECT_EQ(parse_znode_number("42"), 42);
  EXPECT_EQ(parse_znode_number("0"), 0);
  for (const char* bad : {"", "-1", "+1", "1a", " 1", "99999999999"}) {
    EXPECT_EQ(parse_znode_number(bad), std::nullopt) << bad;
  }
}

TEST(PartitionStateTest, LeaderAndIsrIsWrittenAsKafkaWritesIt) {
  LeaderAndIsr state{2, 5, {2, 1, 3}, 7, 0};
  EXPECT_EQ(encode_leader_and_isr(state),
            R"({"controller_epoch":7,"isr":[2,1,3],"leader":2,"leader_epoch":5,"version":1})");
  EXPECT_EQ(parse_leader_and_isr(encode_leader_and_isr(state)), state);
}

TEST(PartitionStateTest, LeaderAndIsrParsesKafkaVersions) {
  auto v1 = parse_leader_and_isr(
      R"({"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":3,"isr":[1]})");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->leader, kNoLeader);
  EXPECT_EQ(v1->isr, std::vector<int32_t>{1});
  auto v2 = parse_leader_and_isr(
      R"({"controller_epoch":1,"leader":1,"version":2,"leader_epoch":3,"isr":[1],)"
      R"("leader_recovery_state":1,"future_field":"x"})");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->leader_recovery_state, 1);
  EXPECT_EQ(parse_leader_and_isr(encode_leader_and_isr(*v2)), v2);
}

TEST(PartitionStateTest, LeaderAndIsrRejectsMalformed) {
  for (const char* bad : {
           "",
           "[]",
           "not json",
           R"({"leader":1})",
           R"({"controller_epoch":1,"leader":"1","leader_epoch":0,"isr":[1]})",
           R"({"controller_epoch":1,"leader":1,"leader_epoch":0,"isr":"1"})",
           R"({"controller_epoch":1,"leader":1,"leader_epoch":0,"isr":[-2]})",
           R"({"controller_epoch":1,"leader":-2,"leader_epoch":0,"isr":[1]})",
           R"({"controller_epoch":1,"leader":1,"leader_epoch":4294967296,"isr":[1]})",
       }) {
    EXPECT_EQ(parse_leader_and_isr(bad), std::nullopt) << bad;
  }
}

TEST(PartitionStateTest, ControllerZnode) {
  EXPECT_EQ(encode_controller({4, 1700000000123}),
            R"({"brokerid":4,"timestamp":"1700000000123","version":1})");
  auto parsed = parse_controller(R"({"version":1,"brokerid":4,"timestamp":"1700000000123"})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->broker_id, 4);
  EXPECT_EQ(parsed->timestamp_ms, 1700000000123);
  // Kafka 3.4+ during migration writes version 2 with an extra field; very old Kafka a bare id.
  EXPECT_EQ(
      parse_controller(R"({"version":2,"brokerid":1,"timestamp":"5","kraftControllerEpoch":-1})")
          ->broker_id,
      1);
  EXPECT_EQ(parse_controller("2")->broker_id, 2);
  EXPECT_EQ(parse_controller(R"({"brokerid":1,"timestamp":5})")->timestamp_ms, 5);
  for (const char* bad : {"", "{}", R"({"brokerid":-1})", R"({"brokerid":1,"timestamp":"x"})"}) {
    EXPECT_EQ(parse_controller(bad), std::nullopt) << bad;
  }
}

TEST(PartitionStateTest, ControllerEpoch) {
  EXPECT_EQ(encode_controller_epoch(12), "12");
  EXPECT_EQ(parse_controller_epoch("12"), 12);
  EXPECT_EQ(parse_controller_epoch("12\n"), 12);
  EXPECT_EQ(parse_controller_epoch(""), std::nullopt);
  EXPECT_EQ(parse_controller_epoch("x"), std::nullopt);
}

TEST(PartitionStateTest, BrokerRegistrationVersion5) {
  BrokerRegistration broker{
      3,
      {{"PLAINTEXT", "PLAINTEXT", "h1", 9092}, {"SECURE", "SSL", "::1", 9093}},
      "rack-a",
      1700000000000,
      -1};
  std::string json = encode_broker_registration(broker);
  EXPECT_EQ(
      json,
      R"({"endpoints":["PLAINTEXT://h1:9092","SECURE://[::1]:9093"],"features":{},)"
      R"("host":"h1","jmx_port":-1,"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT",)"
      R"("SECURE":"SSL"},"port":9092,"rack":"rack-a","timestamp":"1700000000000","version":5})");
  EXPECT_EQ(parse_broker_registration(3, json), broker);
}

TEST(PartitionStateTest, BrokerRegistrationWithoutPlaintextHasNullHost) {
  BrokerRegistration broker{1, {{"SSL", "SSL", "h", 9093}}, std::nullopt, 5, -1};
  std::string json = encode_broker_registration(broker);
  EXPECT_NE(json.find(R"("host":null)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("port":-1)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("rack":null)"), std::string::npos) << json;
  EXPECT_EQ(parse_broker_registration(1, json), broker);
}

TEST(PartitionStateTest, BrokerRegistrationOlderVersions) {
  // Version 4 (Kafka 2.x): no features; listener map absent on very old tools.
  auto v4 = parse_broker_registration(
      7, R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},)"
         R"("endpoints":["PLAINTEXT://kafka-1:9092"],"jmx_port":9999,"host":"kafka-1",)"
         R"("timestamp":"1","port":9092,"version":4})");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->id, 7);
  EXPECT_EQ(v4->jmx_port, 9999);
  EXPECT_EQ(v4->rack, std::nullopt);
  ASSERT_EQ(v4->endpoints.size(), 1u);
  EXPECT_EQ(v4->endpoints[0].host, "kafka-1");
  auto bare = parse_broker_registration(1, R"({"endpoints":["SSL://:9093"],"version":2})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->endpoints[0].security_protocol, "SSL");
  EXPECT_EQ(bare->endpoints[0].host, "");
}

TEST(PartitionStateTest, BrokerRegistrationRejectsMalformed) {
  for (const char* bad : {
           "",
           "[]",
           R"({"version":5})",
           R"({"endpoints":"PLAINTEXT://h:1"})",
           R"({"endpoints":["h:1"]})",
           R"({"endpoints":["PLAINTEXT://h:99999"]})",
           R"({"endpoints":["PLAINTEXT://h"]})",
           R"({"endpoints":[1]})",
           R"({"endpoints":[],"rack":5})",
           R"({"endpoints":[],"timestamp":"soon"})",
       }) {
    EXPECT_EQ(parse_broker_registration(1, bad), std::nullopt) << bad;
  }
}

TEST(PartitionStateTest, TopicAssignment) {
  auto assignment = parse_topic_assignment(
      R"({"version":3,"topic_id":"x","partitions":{"1":[2,3],"0":[1,2]},"adding_replicas":{}})");
  ASSERT_TRUE(assignment);
  EXPECT_EQ(assignment->at(0), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(assignment->at(1), (std::vector<int32_t>{2, 3}));
  for (const char* bad : {"", R"({"partitions":[]})", R"({"partitions":{"a":[1]}})",
                          R"({"partitions":{"0":[]}})", R"({"partitions":{"0":["1"]}})"}) {
    EXPECT_EQ(parse_topic_assignment(bad), std::nullopt) << bad;
  }
}

TEST(PartitionStateTest, UncleanElectionOverride) {
  EXPECT_EQ(parse_unclean_election_override(
                R"({"version":1,"config":{"unclean.leader.election.enable":"true"}})"),
            true);
  EXPECT_EQ(parse_unclean_election_override(
                R"({"version":1,"config":{"unclean.leader.election.enable":"false"}})"),
            false);
  EXPECT_EQ(parse_unclean_election_override(R"({"version":1,"config":{}})"), std::nullopt);
  EXPECT_EQ(parse_unclean_election_override("garbage"), std::nullopt);
}

}  // namespace
}  // namespace gregor::cluster
