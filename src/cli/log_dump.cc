#include "cli/log_dump.h"

#include <fmt/format.h>

#include "protocol/records.h"

namespace gregor::cli {
namespace {

constexpr size_t kMaxDecompressed = 256u << 20;

std::optional<std::string> text(const std::optional<protocol::ByteView>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

void decode_records(protocol::ByteView batch, DumpedBatch& out) {
  std::vector<uint8_t> scratch;
  const ErrorCode err =
      protocol::for_each_record(batch, scratch, kMaxDecompressed, [&](const auto& record) {
        DumpedRecord r{record.offset, record.timestamp, text(record.key), text(record.value), {}};
        for (const auto& header : record.headers) {
          r.headers.emplace_back(std::string(header.key), text(header.value));
        }
        out.records.push_back(std::move(r));
      });
  if (err != ErrorCode::kNone) out.error = std::string(error_name(err));
}

std::string shown(const std::optional<std::string>& value) {
  return value ? *value : "null";
}

}  // namespace

const char* codec_name(protocol::Compression codec) {
  switch (codec) {
    case protocol::Compression::kNone:
      return "none";
    case protocol::Compression::kGzip:
      return "gzip";
    case protocol::Compression::kSnappy:
      return "snappy";
    case protocol::Compression::kLz4:
      return "lz4";
    case protocol::Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

SegmentDump dump_segment(protocol::ByteView data) {
  SegmentDump dump;
  size_t position = 0;
  while (position < data.size()) {
    auto header = protocol::parse_batch_header(data.subspan(position));
    if (!header || header->total_size() > data.size() - position) break;
    auto batch = data.subspan(position, header->total_size());
    DumpedBatch out{static_cast<int64_t>(position), *header, protocol::batch_crc_ok(batch), {}, {}};
    decode_records(batch, out);
    dump.batches.push_back(std::move(out));
    position += header->total_size();
  }
  dump.trailing_position = static_cast<int64_t>(position);
  dump.trailing_bytes = static_cast<int64_t>(data.size() - position);
  return dump;
}

std::string dump_text(const SegmentDump& dump, bool with_records) {
  std::string out;
  for (const auto& b : dump.batches) {
    const auto& h = b.header;
    out += fmt::format(
        "baseOffset: {} lastOffset: {} count: {} baseSequence: {} producerId: {} "
        "producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} {}"
        "position: {} {}: {} size: {} magic: {} compresscodec: {} crc: {} isvalid: {}\n",
        h.base_offset, h.last_offset(), h.record_count, h.base_sequence, h.producer_id,
        h.producer_epoch, h.partition_leader_epoch, h.is_transactional(), h.is_control(),
        h.has_delete_horizon() ? fmt::format("deleteHorizonMs: {} ", h.first_timestamp) : "",
        b.position,
        h.timestamp_type() == protocol::TimestampType::kCreateTime ? "CreateTime" : "LogAppendTime",
        h.max_timestamp, h.total_size(), h.magic, codec_name(h.compression()), h.crc, b.crc_ok);
    if (!b.error.empty()) out += "| cannot decode records: " + b.error + "\n";
    if (!with_records) continue;
    for (const auto& r : b.records) {
      out += fmt::format("| offset: {} timestamp: {} keySize: {} valueSize: {} key: {} payload: {}",
                         r.offset, r.timestamp, r.key ? static_cast<int64_t>(r.key->size()) : -1,
                         r.value ? static_cast<int64_t>(r.value->size()) : -1, shown(r.key),
                         shown(r.value));
      for (const auto& [key, value] : r.headers)
        out += fmt::format(" header: {}={}", key, shown(value));
      out += "\n";
    }
  }
  if (dump.trailing_bytes > 0) {
    out += fmt::format("{} trailing bytes at position {} hold no whole batch\n",
                       dump.trailing_bytes, dump.trailing_position);
  }
  return out;
}

nlohmann::json dump_json(const SegmentDump& dump) {
  auto batches = nlohmann::json::array();
  for (const auto& b : dump.batches) {
    auto records = nlohmann::json::array();
    for (const auto& r : b.records) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [key, value] : r.headers)
        headers[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
      records.push_back({{"offset", r.offset},
                         {"timestamp", r.timestamp},
                         {"key", r.key ? nlohmann::json(*r.key) : nlohmann::json(nullptr)},
                         {"value", r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr)},
                         {"headers", headers}});
    }
    const auto& h = b.header;
    batches.push_back(
        {{"position", b.position},
         {"base_offset", h.base_offset},
         {"last_offset", h.last_offset()},
         {"count", h.record_count},
         {"size", h.total_size()},
         {"compression", codec_name(h.compression())},
         {"max_timestamp", h.max_timestamp},
         {"delete_horizon_ms",
          h.has_delete_horizon() ? nlohmann::json(h.first_timestamp) : nlohmann::json(nullptr)},
         {"crc_valid", b.crc_ok},
         {"error", b.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.error)},
         {"records", records}});
  }
  return {{"batches", batches}, {"trailing_bytes", dump.trailing_bytes}};
}

}  // namespace gregor::cli
