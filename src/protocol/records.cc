#include "protocol/records.h"

#include <algorithm>
#include <limits>

#include "protocol/compression.h"

namespace gregor::protocol {
namespace {

// length, attributes, timestampDelta, offsetDelta, key length, value length, header count:
// one byte each at least, so a count larger than bytes / 7 cannot be right.
constexpr size_t kMinRecordSize = 7;

// Two's-complement addition and subtraction: offsets and timestamps come from the network, and
// signed overflow must not be undefined behaviour.
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// A varint length prefix followed by that many bytes; -1 is null. False for other negatives.
bool read_nullable(Reader& in, std::optional<ByteView>& out) {
  int32_t length = in.varint();
  if (!in.ok() || length < -1) return false;
  if (length == -1) {
    out.reset();
    return true;
  }
  out = in.take(static_cast<size_t>(length));
  return in.ok();
}

void write_nullable(Writer& out, const std::optional<ByteView>& bytes) {
  if (!bytes) {
    out.varint(-1);
    return;
  }
  out.varint(static_cast<int32_t>(bytes->size()));
  out.raw(bytes->data(), bytes->size());
}

// Appends one record (length prefix included) to `body`; `scratch` is reused between records.
void write_record(const RecordInput& record, int32_t offset_delta, int64_t first_timestamp,
                  Writer& scratch, Writer& body) {
  scratch.bytes().clear();
  scratch.i8(0);  // record attributes: unused by Kafka
  scratch.varlong(wrapping_sub(record.timestamp, first_timestamp));
  scratch.varint(offset_delta);
  write_nullable(scratch, record.key);
  write_nullable(scratch, record.value);
  scratch.varint(static_cast<int32_t>(record.headers.size()));
  for (const HeaderView& header : record.headers) {
    scratch.varint(static_cast<int32_t>(header.key.size()));
    scratch.raw(header.key.data(), header.key.size());
    write_nullable(scratch, header.value);
  }
  body.varint(static_cast<int32_t>(scratch.bytes().size()));
  body.raw(scratch.bytes().data(), scratch.bytes().size());
}

int16_t attributes_of(const BatchOptions& options) {
  int16_t attributes = static_cast<int16_t>(options.compression);
  if (options.timestamp_type == TimestampType::kLogAppendTime) attributes |= kTimestampTypeBit;
  if (options.transactional) attributes |= kTransactionalBit;
  if (options.control) attributes |= kControlBit;
  if (options.delete_horizon_ms >= 0) attributes |= kDeleteHorizonBit;
  return attributes;
}

}  // namespace

ErrorCode RecordIterator::reset(ByteView batch, std::vector<uint8_t>& scratch,
                                size_t max_decompressed) {
  error_ = ErrorCode::kCorruptMessage;
  decoded_ = 0;
  records_ = {};
  std::optional<BatchHeader> header = parse_batch_header(batch);
  if (!header || header->total_size() > batch.size()) return error_;
  if (header->magic != kMagicV2) return error_ = ErrorCode::kUnsupportedForMessageFormat;
  if (header->record_count < 0) return error_;
  header_ = *header;
  ByteView body = batch.subspan(kBatchHeaderSize, header_.total_size() - kBatchHeaderSize);
  if (header_.compression() == Compression::kNone) {
    records_ = body;
  } else {
    ErrorCode err = decompress(header_.compression(), body, scratch, max_decompressed);
    if (err != ErrorCode::kNone) return error_ = err;
    records_ = scratch;
  }
  if (static_cast<size_t>(header_.record_count) > records_.size() / kMinRecordSize) {
    return error_;
  }
  return error_ = ErrorCode::kNone;
}

bool RecordIterator::fail() {
  error_ = ErrorCode::kCorruptMessage;
  records_ = {};
  return false;
}

bool RecordIterator::next(RecordView& record) {
  if (error_ != ErrorCode::kNone) return false;
  if (decoded_ == header_.record_count) {
    return records_.empty() ? false : fail();  // more bytes than the count says
  }
  Reader outer(records_);
  int32_t length = outer.varint();
  if (!outer.ok() || length < 0) return fail();
  ByteView body = outer.take(static_cast<size_t>(length));
  if (!outer.ok()) return fail();
  records_ = records_.subspan(static_cast<size_t>(outer.position() - records_.data()));

  Reader in(body);
  in.i8();  // record attributes: unused
  int64_t timestamp_delta = in.varlong();
  int32_t offset_delta = in.varint();
  if (!read_nullable(in, record.key) || !read_nullable(in, record.value)) return fail();
  if (!read_headers(in, record) || in.remaining() != 0) return fail();

  record.offset = wrapping_add(header_.base_offset, offset_delta);
  record.timestamp = header_.timestamp_type() == TimestampType::kLogAppendTime
                         ? header_.max_timestamp
                         : wrapping_add(header_.first_timestamp, timestamp_delta);
  ++decoded_;
  return true;
}

bool RecordIterator::read_headers(Reader& in, RecordView& record) {
  record.headers.clear();
  int32_t count = in.varint();
  // Each header takes at least two bytes; this also bounds the vector's growth.
  if (!in.ok() || count < 0 || static_cast<size_t>(count) > in.remaining() / 2) return false;
  for (int32_t i = 0; i < count; ++i) {
    int32_t key_length = in.varint();
    if (!in.ok() || key_length < 0) return false;  // header keys are never null
    ByteView key = in.take(static_cast<size_t>(key_length));
    HeaderView header{std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                      std::nullopt};
    if (!read_nullable(in, header.value)) return false;
    record.headers.push_back(header);
  }
  return in.ok();
}

ErrorCode encode_batch(std::span<const RecordInput> records, const BatchOptions& options,
                       std::vector<uint8_t>& out) {
  BatchHeader header;
  header.base_offset = options.base_offset;
  header.partition_leader_epoch = options.partition_leader_epoch;
  header.attributes = attributes_of(options);
  header.producer_id = options.producer_id;
  header.producer_epoch = options.producer_epoch;
  header.base_sequence = options.base_sequence;
  header.record_count = static_cast<int32_t>(records.size());
  if (!records.empty()) header.first_timestamp = records.front().timestamp;
  if (options.delete_horizon_ms >= 0) header.first_timestamp = options.delete_horizon_ms;

  Writer body, scratch;
  int64_t previous_delta = -1;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordInput& record = records[i];
    int64_t delta = record.offset_delta < 0 ? static_cast<int64_t>(i) : record.offset_delta;
    if (delta <= previous_delta || delta > std::numeric_limits<int32_t>::max()) {
      return ErrorCode::kInvalidRecord;
    }
    previous_delta = delta;
    header.max_timestamp = std::max(header.max_timestamp, record.timestamp);
    write_record(record, static_cast<int32_t>(delta), header.first_timestamp, scratch, body);
  }
  header.last_offset_delta = static_cast<int32_t>(std::max<int64_t>(previous_delta, 0));

  std::vector<uint8_t> packed;
  ErrorCode err = compress(options.compression, body.bytes(), packed);
  if (err != ErrorCode::kNone) return err;
  size_t batch_length = kBatchHeaderSize - kLogOverhead + packed.size();
  if (batch_length > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return ErrorCode::kMessageTooLarge;
  }
  header.batch_length = static_cast<int32_t>(batch_length);
  out.assign(kBatchHeaderSize, 0);
  out.insert(out.end(), packed.begin(), packed.end());
  write_batch_header(header, out);
  update_batch_crc(out);
  return ErrorCode::kNone;
}

}  // namespace gregor::protocol
