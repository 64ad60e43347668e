// Offline decoding of a segment file (`<base offset>.log`): every batch header and, through
// protocol/records.h, every record, compressed batches included. What `gregor log dump` prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/codec.h"
#include "protocol/record_batch.h"

namespace gregor::cli {

struct DumpedRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct DumpedBatch {
  int64_t position = 0;  // byte position in the file
  protocol::BatchHeader header;
  bool crc_ok = false;
  std::vector<DumpedRecord> records;
  std::string error;  // why the records could not be decoded; empty when they were
};

struct SegmentDump {
  std::vector<DumpedBatch> batches;
  // Bytes after the last whole batch (a torn write, or preallocated zeros), and where they start.
  int64_t trailing_position = 0;
  int64_t trailing_bytes = 0;
};

SegmentDump dump_segment(protocol::ByteView data);

// "none", "gzip", "snappy", "lz4", "zstd".
const char* codec_name(protocol::Compression codec);

// Kafka's DumpLogSegments style: one line per batch, then one "| offset: ..." line per record.
std::string dump_text(const SegmentDump& dump, bool with_records);
nlohmann::json dump_json(const SegmentDump& dump);

}  // namespace gregor::cli
