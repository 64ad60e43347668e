#include "broker/record_timestamps.h"

#include <fmt/format.h>

#include "protocol/records.h"

namespace gregor::broker {
namespace {

constexpr size_t kMaxDecompressed = 64 << 20;  // as for the key check of compacted topics

// now - before_ms and now + after_ms, without overflowing when a bound is unlimited.
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

}  // namespace

OutOfRangeTimestamps find_out_of_range_timestamps(protocol::ByteView payload,
                                                  const std::vector<protocol::BatchHeader>& headers,
                                                  storage::TimestampBounds bounds, int64_t now_ms) {
  static thread_local std::vector<uint8_t> scratch;
  const int64_t earliest = saturating_add(now_ms, -bounds.before_ms);
  const int64_t latest = saturating_add(now_ms, bounds.after_ms);
  OutOfRangeTimestamps result;
  int32_t index = 0;
  size_t at = 0;
  for (const protocol::BatchHeader& header : headers) {
    const protocol::ByteView batch = payload.subspan(at, header.total_size());
    at += header.total_size();
    if (header.is_control() || header.timestamp_type() == protocol::TimestampType::kLogAppendTime) {
      index += header.record_count;
      continue;
    }
    result.error = protocol::for_each_record(
        batch, scratch, kMaxDecompressed, [&](const protocol::RecordView& record) {
          if (record.timestamp < earliest || record.timestamp > latest) {
            if (result.indexes.empty()) {
              result.message = fmt::format(
                  "record {} has timestamp {}, outside [{}, {}] allowed by the topic's "
                  "message.timestamp.* bounds around the broker's time {}",
                  index, record.timestamp, earliest, latest, now_ms);
            }
            result.indexes.push_back(index);
          }
          ++index;
        });
    if (result.error != ErrorCode::kNone) break;
  }
  if (scratch.capacity() > kMaxDecompressed / 16) std::vector<uint8_t>().swap(scratch);
  return result;
}

}  // namespace gregor::broker
