#include "broker/compacted_records.h"

#include "broker/produced_records.h"

namespace gregor::broker {

KeylessRecords find_keyless_records(protocol::ByteView payload,
                                    const std::vector<protocol::BatchHeader>& headers) {
  KeylessRecords result;
  result.error = for_each_produced_record(payload, headers, nullptr,
                                          [&](const protocol::RecordView& record, int32_t index) {
                                            if (!record.key) result.indexes.push_back(index);
                                          });
  return result;
}

}  // namespace gregor::broker
