// Shared inputs of the microbenchmarks: valid v2 record batches of 100-byte records, built with
// protocol::encode_batch (so their CRCs are right), and a temporary directory for the storage
// benchmarks.
//
//   std::vector<uint8_t> batch = gregor::bench::make_batch(16 << 10);  // about 16 KB
#pragma once

#include "common/temp_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/records.h"

namespace gregor::bench {

inline constexpr size_t kRecordValueBytes = 100;
inline constexpr int64_t kFirstTimestamp = 1'700'000'000'000;

// An uncompressed batch of 100-byte unkeyed records, as close to `target_bytes` as whole records
// allow (at least one record). Record i has timestamp first_timestamp + i.
inline std::vector<uint8_t> make_batch(size_t target_bytes,
                                       int64_t first_timestamp = kFirstTimestamp) {
  constexpr size_t kRecordOnWire = kRecordValueBytes + 8;  // value plus length, deltas, null key
  const size_t count = std::max<size_t>(1, target_bytes / kRecordOnWire);
  const std::string value(kRecordValueBytes, 'v');
  std::vector<protocol::RecordInput> records(count);
  for (size_t i = 0; i < count; ++i) {
    records[i].timestamp = first_timestamp + static_cast<int64_t>(i);
    records[i].value =
        protocol::ByteView(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  }
  std::vector<uint8_t> batch;
  protocol::encode_batch(records, {}, batch);
  return batch;
}

// A fresh directory; empty string if it cannot be created.
inline std::string temp_dir() {
  return make_temp_dir("gregor-bench");
}

}  // namespace gregor::bench
