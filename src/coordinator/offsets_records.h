// Kafka's record formats in the internal topic __consumer_offsets (GroupMetadataManager), so that
// Kafka tools reading the topic understand Gregor's, and compaction by key keeps the last state.
// The formats are generated from schemas/data/consumer_offsets.schema; this file maps them to the
// coordinator's own types and picks the versions written:
//
//   offset commit   key v1, value v3 (with the leader epoch)
//   group metadata  key v2, value v3 (with static members' instance ids)
//
// Every version Kafka has written is read. A record with a null value is a tombstone: the offset
// or the group was deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"

namespace gregor::coordinator {

using Bytes = std::vector<uint8_t>;

struct OffsetKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
};

struct GroupKey {
  std::string group;
};

struct OffsetValue {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
};

struct MemberRecord {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  Bytes subscription;
  Bytes assignment;
};

struct GroupValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t state_timestamp = -1;
  std::vector<MemberRecord> members;
};

Bytes encode_key(const OffsetKey& key);
Bytes encode_key(const GroupKey& key);
Bytes encode_value(const OffsetValue& value);
Bytes encode_value(const GroupValue& value);

// nullopt for a key that is neither (unknown version, truncated): the loader skips it.
std::optional<std::variant<OffsetKey, GroupKey>> decode_key(protocol::ByteView bytes);
// Value versions 0-3 of each; nullopt when malformed.
std::optional<OffsetValue> decode_offset_value(protocol::ByteView bytes);
std::optional<GroupValue> decode_group_value(protocol::ByteView bytes);

// The __consumer_offsets partition of a group, as Kafka computes it:
// Utils.abs(groupId.hashCode()) % partitions, with Java's String.hashCode over UTF-16 units.
int32_t offsets_partition_for(const std::string& group, int32_t partitions);

}  // namespace gregor::coordinator
