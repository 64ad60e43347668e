// The znodes the controller and the brokers share, in Kafka's JSON formats, with their paths and
// codecs. Encoders write exactly what Kafka writes; parsers accept what any Kafka version since
// 2.x writes (unknown fields ignored, newer versions with the same fields accepted) and return
// std::nullopt for anything else, so a corrupt znode is reported instead of half-read.
//
//   /brokers/ids/<id>                            BrokerRegistration (ephemeral)
//   /brokers/topics/<t>/partitions/<p>/state     LeaderAndIsr
//   /controller                                  ControllerRegistration (ephemeral)
//   /controller_epoch                            decimal integer
//
//   LeaderAndIsr state{.leader = 1, .leader_epoch = 0, .isr = {1, 2, 3}, .controller_epoch = 4};
//   store.set(partition_state_path("orders", 0), encode_leader_and_isr(state));
//   if (auto back = parse_leader_and_isr(data)) use(back->leader);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_store.h"

namespace gregor::cluster {

inline constexpr int32_t kNoLeader = -1;

inline const std::string kBrokerIdsPath = "/brokers/ids";
inline const std::string kBrokerTopicsPath = "/brokers/topics";
inline const std::string kTopicConfigsPath = "/config/topics";
inline const std::string kControllerPath = "/controller";
inline const std::string kControllerEpochPath = "/controller_epoch";

std::string broker_path(int32_t broker_id);                               // /brokers/ids/<id>
std::string topic_path(const std::string& topic);                         // /brokers/topics/<t>
std::string partitions_path(const std::string& topic);                    // .../<t>/partitions
std::string partition_path(const std::string& topic, int32_t partition);  // .../partitions/<p>
std::string partition_state_path(const std::string& topic, int32_t partition);  // .../<p>/state

// A decimal broker id or partition number as a znode name ("3"); nullopt for anything else.
std::optional<int32_t> parse_znode_number(std::string_view name);

// A partition's leader, its epoch and the in-sync replicas, as the controller last wrote them.
struct LeaderAndIsr {
  int32_t leader = kNoLeader;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;  // of the controller that wrote it
  // Kafka 3.2+ (version 2) marks a partition whose leader was elected uncleanly as RECOVERING
  // (1) until it is done; 0 is RECOVERED. Written only when non-zero, as Kafka does.
  int8_t leader_recovery_state = 0;

  bool operator==(const LeaderAndIsr&) const = default;
};

// {"controller_epoch":E,"leader":L,"version":1,"leader_epoch":N,"isr":[...]}
std::string encode_leader_and_isr(const LeaderAndIsr& state);
std::optional<LeaderAndIsr> parse_leader_and_isr(std::string_view json);

// The ephemeral /controller: which broker is the controller and since when.
struct ControllerRegistration {
  int32_t broker_id = -1;
  int64_t timestamp_ms = 0;
};

// {"version":1,"brokerid":B,"timestamp":"<ms>"}
std::string encode_controller(const ControllerRegistration& controller);
std::optional<ControllerRegistration> parse_controller(std::string_view json);

// /controller_epoch holds the epoch as a decimal string ("7"); epochs start at 1.
std::string encode_controller_epoch(int32_t epoch);
std::optional<int32_t> parse_controller_epoch(std::string_view data);

// One listener of a broker: "PLAINTEXT://host:9092" with its security protocol.
struct BrokerEndpoint {
  std::string listener;           // "PLAINTEXT", "INTERNAL", ...
  std::string security_protocol;  // "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"
  std::string host;               // without IPv6 brackets
  int32_t port = 0;

  bool operator==(const BrokerEndpoint&) const = default;
};

// The ephemeral /brokers/ids/<id> a live broker registers.
struct BrokerRegistration {
  int32_t id = -1;  // from the znode name, not the JSON
  std::vector<BrokerEndpoint> endpoints;
  std::optional<std::string> rack;
  int64_t timestamp_ms = 0;
  int32_t jmx_port = -1;

  bool operator==(const BrokerRegistration&) const = default;
};

// Version 5: listener_security_protocol_map, endpoints, host and port of the PLAINTEXT listener
// (null and -1 without one, as Kafka writes), jmx_port, rack, timestamp, features {}.
std::string encode_broker_registration(const BrokerRegistration& broker);
// Versions 1 to 5. Endpoints whose listener the protocol map does not name take the listener
// name as the protocol (Kafka's default mapping). `id` is the znode name's number.
std::optional<BrokerRegistration> parse_broker_registration(int32_t id, std::string_view json);

// The replica lists of /brokers/topics/<t> (version 1 to 3), partition number -> replicas.
std::optional<std::map<int32_t, std::vector<int32_t>>> parse_topic_assignment(
    std::string_view json);

// A reassignment in progress on one partition, as /brokers/topics/<t> (version 2+) records it:
// the partition's replicas are then the union of the old and the target ones.
struct PartitionReassignment {
  std::vector<int32_t> adding;    // target replicas that were not replicas before
  std::vector<int32_t> removing;  // old replicas that are not in the target
  bool operator==(const PartitionReassignment&) const = default;
};

// adding_replicas / removing_replicas of /brokers/topics/<t>, partition -> reassignment (only
// partitions with a non-empty one); nullopt if the JSON is not a topic znode.
std::optional<std::map<int32_t, PartitionReassignment>> parse_topic_reassignments(
    std::string_view json);

// `topic_json` (a /brokers/topics/<t> znode) with partition `partition`'s replicas and
// reassignment replaced, every other field kept as it was; nullopt if it is not a topic znode.
std::optional<std::string> update_topic_partition(std::string_view topic_json, int32_t partition,
                                                  const std::vector<int32_t>& replicas,
                                                  const PartitionReassignment& reassignment);

// The brokers registered under /brokers/ids, by id, for replica placement (their racks) and
// metadata (their endpoints). A registration that cannot be parsed is logged and listed with
// its id only. kOk, or the store's error listing /brokers/ids (kNoNode: no broker ever started).
StoreError read_registered_brokers(MetadataStore& store, std::vector<BrokerRegistration>& brokers);

// unclean.leader.election.enable from /config/topics/<t> ({"version":1,"config":{...}}), if set.
std::optional<bool> parse_unclean_election_override(std::string_view json);

}  // namespace gregor::cluster
