#include "broker/record_timestamps.h"

#include <fmt/format.h>

#include "broker/produced_records.h"

namespace gregor::broker {
namespace {

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
  const int64_t earliest = saturating_add(now_ms, -bounds.before_ms);
  const int64_t latest = saturating_add(now_ms, bounds.after_ms);
  OutOfRangeTimestamps result;
  // The broker sets LogAppendTime itself: nothing a producer sent to check.
  auto log_append_time = [](const protocol::BatchHeader& header) {
    return header.timestamp_type() == protocol::TimestampType::kLogAppendTime;
  };
  result.error = for_each_produced_record(
      payload, headers, log_append_time, [&](const protocol::RecordView& record, int32_t index) {
        if (record.timestamp >= earliest && record.timestamp <= latest) return;
        if (result.indexes.empty()) {
          result.message = fmt::format(
              "record {} has timestamp {}, outside [{}, {}] allowed by the topic's "
              "message.timestamp.* bounds around the broker's time {}",
              index, record.timestamp, earliest, latest, now_ms);
        }
        result.indexes.push_back(index);
      });
  return result;
}

}  // namespace gregor::broker
