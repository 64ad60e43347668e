#include "broker/produced_records.h"

namespace gregor::broker {

ErrorCode for_each_produced_record(
    protocol::ByteView payload, const std::vector<protocol::BatchHeader>& headers,
    const std::function<bool(const protocol::BatchHeader&)>& skip,
    const std::function<void(const protocol::RecordView&, int32_t index)>& fn) {
  static thread_local std::vector<uint8_t> scratch;
  ErrorCode error = ErrorCode::kNone;
  int32_t index = 0;
  size_t at = 0;
  for (const protocol::BatchHeader& header : headers) {
    const protocol::ByteView batch = payload.subspan(at, header.total_size());
    at += header.total_size();
    if (header.is_control() || (skip && skip(header))) {
      index += header.record_count;
      continue;
    }
    error =
        protocol::for_each_record(batch, scratch, kMaxProducedDecompressed,
                                  [&](const protocol::RecordView& record) { fn(record, index++); });
    if (error != ErrorCode::kNone) break;
  }
  if (scratch.capacity() > kMaxProducedDecompressed / 16) {
    std::vector<uint8_t>().swap(scratch);  // do not keep a rare large buffer per thread
  }
  return error;
}

}  // namespace gregor::broker
