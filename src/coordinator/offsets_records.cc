#include "coordinator/offsets_records.h"

#include <cstdlib>
#include <limits>

#include "protocol/data/consumer_offsets.h"
#include "protocol/versioned_data.h"

namespace gregor::coordinator {
namespace {

using protocol::decode_versioned;
using protocol::encode_versioned;

// The versions written: Kafka 2.3+'s, which every Kafka since reads.
constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;

MemberRecord member_of(protocol::GroupMetadataValue::MemberMetadata m, int16_t version) {
  // Before v1 a member had one timeout for both.
  const int32_t rebalance_timeout = version >= 1 ? m.rebalance_timeout : m.session_timeout;
  return {std::move(m.member_id),    std::move(m.group_instance_id),
          std::move(m.client_id),    std::move(m.client_host),
          rebalance_timeout,         m.session_timeout,
          std::move(m.subscription), std::move(m.assignment)};
}

}  // namespace

Bytes encode_key(const OffsetKey& key) {
  return encode_versioned(protocol::OffsetCommitKey{key.group, key.topic, key.partition},
                          kOffsetKeyVersion);
}

Bytes encode_key(const GroupKey& key) {
  // The group key is GroupMetadataKey v0's body under the key version 2.
  protocol::Writer out;
  out.i16(kGroupKeyVersion);
  protocol::GroupMetadataKey{key.group}.encode(out, 0);
  return std::move(out.bytes());
}

Bytes encode_value(const OffsetValue& value) {
  protocol::OffsetCommitValue out;
  out.offset = value.offset;
  out.leader_epoch = value.leader_epoch;
  out.metadata = value.metadata;
  out.commit_timestamp = value.commit_timestamp;
  return encode_versioned(out, kOffsetValueVersion);
}

Bytes encode_value(const GroupValue& value) {
  protocol::GroupMetadataValue out;
  out.protocol_type = value.protocol_type;
  out.generation = value.generation;
  out.protocol = value.protocol;
  out.leader = value.leader;
  out.current_state_timestamp = value.state_timestamp;
  for (const auto& m : value.members) {
    out.members.push_back({m.member_id, m.instance_id, m.client_id, m.client_host,
                           m.rebalance_timeout_ms, m.session_timeout_ms, m.subscription,
                           m.assignment});
  }
  return encode_versioned(out, kGroupValueVersion);
}

std::optional<std::variant<OffsetKey, GroupKey>> decode_key(protocol::ByteView bytes) {
  protocol::Reader in(bytes);
  const int16_t version = in.i16();
  if (version == kGroupKeyVersion) {
    protocol::GroupMetadataKey key;
    key.decode(in, 0);
    if (!in.ok()) return std::nullopt;
    return GroupKey{std::move(key.group)};
  }
  auto key = decode_versioned<protocol::OffsetCommitKey>(bytes);
  if (!key) return std::nullopt;
  return OffsetKey{std::move(key->body.group), std::move(key->body.topic), key->body.partition};
}

std::optional<OffsetValue> decode_offset_value(protocol::ByteView bytes) {
  auto value = decode_versioned<protocol::OffsetCommitValue>(bytes);
  if (!value) return std::nullopt;
  auto& v = value->body;
  return OffsetValue{v.offset, v.leader_epoch, std::move(v.metadata), v.commit_timestamp};
}

std::optional<GroupValue> decode_group_value(protocol::ByteView bytes) {
  auto value = decode_versioned<protocol::GroupMetadataValue>(bytes);
  if (!value) return std::nullopt;
  auto& v = value->body;
  GroupValue out{std::move(v.protocol_type), v.generation,
                 std::move(v.protocol),      std::move(v.leader),
                 v.current_state_timestamp,  {}};
  for (auto& m : v.members)
    out.members.push_back(member_of(std::move(m), value->version));
  return out;
}

int32_t offsets_partition_for(const std::string& group, int32_t partitions) {
  // Java hashes the UTF-16 code units; decode UTF-8 into them (invalid bytes count as U+FFFD).
  uint32_t hash = 0;
  auto mix = [&hash](uint32_t unit) { hash = hash * 31 + unit; };
  for (size_t i = 0; i < group.size();) {
    const auto c = static_cast<uint8_t>(group[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 0x6 && i + 1 < group.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<uint8_t>(group[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((c >> 4) == 0xE && i + 2 < group.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<uint8_t>(group[i + 1]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(group[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((c >> 3) == 0x1E && i + 3 < group.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<uint8_t>(group[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<uint8_t>(group[i + 2]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(group[i + 3]) & 0x3Fu);
      len = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      mix(0xD800 + (cp >> 10));
      mix(0xDC00 + (cp & 0x3FF));
    } else {
      mix(cp);
    }
    i += len;
  }
  const auto h = static_cast<int32_t>(hash);
  // Kafka's Utils.abs: Integer.MIN_VALUE maps to 0, not to itself.
  const int32_t positive = h == std::numeric_limits<int32_t>::min() ? 0 : std::abs(h);
  return partitions > 0 ? positive % partitions : 0;
}

}  // namespace gregor::coordinator
