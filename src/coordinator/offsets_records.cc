#include "coordinator/offsets_records.h"

#include <cstdlib>
#include <limits>

namespace gregor::coordinator {
namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;

Bytes take(protocol::Writer& out) {
  return std::move(out.bytes());
}

}  // namespace

Bytes encode_key(const OffsetKey& key) {
  protocol::Writer out;
  out.i16(kOffsetKeyVersion);
  out.string(key.group, false);
  out.string(key.topic, false);
  out.i32(key.partition);
  return take(out);
}

Bytes encode_key(const GroupKey& key) {
  protocol::Writer out;
  out.i16(kGroupKeyVersion);
  out.string(key.group, false);
  return take(out);
}

Bytes encode_value(const OffsetValue& value) {
  protocol::Writer out;
  out.i16(kOffsetValueVersion);
  out.i64(value.offset);
  out.i32(value.leader_epoch);
  out.string(value.metadata, false);
  out.i64(value.commit_timestamp);
  return take(out);
}

Bytes encode_value(const GroupValue& value) {
  protocol::Writer out;
  out.i16(kGroupValueVersion);
  out.string(value.protocol_type, false);
  out.i32(value.generation);
  out.nullable_string(value.protocol, false);
  out.nullable_string(value.leader, false);
  out.i64(value.state_timestamp);
  out.array_length(static_cast<int32_t>(value.members.size()), false);
  for (const auto& m : value.members) {
    out.string(m.member_id, false);
    out.nullable_string(m.instance_id, false);
    out.string(m.client_id, false);
    out.string(m.client_host, false);
    out.i32(m.rebalance_timeout_ms);
    out.i32(m.session_timeout_ms);
    out.bytes(m.subscription, false);
    out.bytes(m.assignment, false);
  }
  return take(out);
}

std::optional<std::variant<OffsetKey, GroupKey>> decode_key(protocol::ByteView bytes) {
  protocol::Reader in(bytes);
  const int16_t version = in.i16();
  std::optional<std::variant<OffsetKey, GroupKey>> result;
  if (version == 0 || version == 1) {
    OffsetKey key;
    key.group = in.string(false);
    key.topic = in.string(false);
    key.partition = in.i32();
    result = key;
  } else if (version == 2) {
    result = GroupKey{in.string(false)};
  }
  if (!in.ok()) return std::nullopt;
  return result;
}

std::optional<OffsetValue> decode_offset_value(protocol::ByteView bytes) {
  protocol::Reader in(bytes);
  const int16_t version = in.i16();
  if (version < 0 || version > 3) return std::nullopt;
  OffsetValue value;
  value.offset = in.i64();
  if (version >= 3) value.leader_epoch = in.i32();
  value.metadata = in.string(false);
  value.commit_timestamp = in.i64();
  if (version == 1) in.i64();  // expire timestamp, from the days of per-commit retention
  if (!in.ok()) return std::nullopt;
  return value;
}

std::optional<GroupValue> decode_group_value(protocol::ByteView bytes) {
  protocol::Reader in(bytes);
  const int16_t version = in.i16();
  if (version < 0 || version > 3) return std::nullopt;
  GroupValue value;
  value.protocol_type = in.string(false);
  value.generation = in.i32();
  value.protocol = in.nullable_string(false);
  value.leader = in.nullable_string(false);
  if (version >= 2) value.state_timestamp = in.i64();
  const int32_t count = in.array_length(false);
  for (int32_t i = 0; i < count && in.ok(); ++i) {
    MemberRecord m;
    m.member_id = in.string(false);
    if (version >= 3) m.instance_id = in.nullable_string(false);
    m.client_id = in.string(false);
    m.client_host = in.string(false);
    m.rebalance_timeout_ms = version >= 1 ? in.i32() : 0;
    m.session_timeout_ms = in.i32();
    if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    m.subscription = in.bytes(false);
    m.assignment = in.bytes(false);
    value.members.push_back(std::move(m));
  }
  if (!in.ok()) return std::nullopt;
  return value;
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
