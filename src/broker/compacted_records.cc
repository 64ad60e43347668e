#include "broker/compacted_records.h"

#include "protocol/records.h"

namespace gregor::broker {

namespace {

// Decompressed records of one batch may not exceed this; larger ones are refused as corrupt
// (the same bound as the log cleaner's).
constexpr size_t kMaxDecompressed = 64 << 20;

}  // namespace

KeylessRecords find_keyless_records(protocol::ByteView payload,
                                    const std::vector<protocol::BatchHeader>& headers) {
  static thread_local std::vector<uint8_t> scratch;
  KeylessRecords result;
  int32_t index = 0;
  size_t at = 0;
  for (const protocol::BatchHeader& header : headers) {
    const protocol::ByteView batch = payload.subspan(at, header.total_size());
    at += header.total_size();
    if (header.is_control()) continue;
    result.error = protocol::for_each_record(batch, scratch, kMaxDecompressed,
                                             [&](const protocol::RecordView& record) {
                                               if (!record.key) result.indexes.push_back(index);
                                               ++index;
                                             });
    if (result.error != ErrorCode::kNone) break;
  }
  if (scratch.capacity() > kMaxDecompressed / 16) {
    std::vector<uint8_t>().swap(scratch);  // do not keep a rare large buffer per thread
  }
  return result;
}

}  // namespace gregor::broker
