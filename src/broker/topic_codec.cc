#include "broker/topic_codec.h"

#include "broker/produced_records.h"
#include "protocol/compression.h"

namespace gregor::broker {
namespace {

bool keeps_its_codec(const protocol::BatchHeader& header, protocol::Compression codec) {
  return header.is_control() || header.compression() == codec;
}

}  // namespace

bool needs_recompression(const std::vector<protocol::BatchHeader>& headers,
                         protocol::Compression codec) {
  for (const auto& header : headers) {
    if (!keeps_its_codec(header, codec)) return true;
  }
  return false;
}

ErrorCode recompress_payload(protocol::ByteView payload, protocol::Compression codec, int level,
                             const protocol::ValidationLimits& limits, std::vector<uint8_t>& out,
                             std::vector<protocol::BatchHeader>& headers) {
  static thread_local std::vector<uint8_t> scratch;
  out.clear();
  size_t at = 0;
  ErrorCode error = ErrorCode::kNone;
  for (const auto& header : headers) {
    const protocol::ByteView batch = payload.subspan(at, header.total_size());
    at += header.total_size();
    if (keeps_its_codec(header, codec)) {
      out.insert(out.end(), batch.begin(), batch.end());
      continue;
    }
    error = protocol::recompress_batch(batch, codec, level, kMaxProducedDecompressed, scratch, out);
    if (error != ErrorCode::kNone) break;
  }
  if (scratch.capacity() > kMaxProducedDecompressed / 16) std::vector<uint8_t>().swap(scratch);
  if (error != ErrorCode::kNone) return error;
  return protocol::validate_batches(out, limits, headers);
}

}  // namespace gregor::broker
