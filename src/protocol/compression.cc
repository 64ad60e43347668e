#include "protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <limits>
#include <memory>

#include "common/coding.h"

namespace gregor::protocol {
namespace {

constexpr size_t kMinGrowth = 64 * 1024;
constexpr size_t kMaxInput = INT32_MAX;  // a batch length is an int32

// Output buffer for streaming decoders: grows geometrically up to `limit` (max_out + 1, so that
// one byte too many is seen and reported as a bomb instead of silently truncated).
class Sink {
 public:
  Sink(std::vector<uint8_t>& out, size_t max_out, size_t size_hint)
      : out_(out), limit_(max_out == SIZE_MAX ? max_out : max_out + 1), max_out_(max_out) {
    out_.clear();
    out_.resize(std::min(limit_, std::max(kMinGrowth, size_hint)));
  }
  // Makes room for more output; false when the limit is reached.
  bool reserve() {
    if (produced_ < out_.size()) return true;
    if (out_.size() >= limit_) return false;
    out_.resize(std::min(limit_, std::max(kMinGrowth, out_.size() * 2)));
    return true;
  }
  uint8_t* free_begin() { return out_.data() + produced_; }
  size_t free_size() const { return out_.size() - produced_; }
  void commit(size_t n) { produced_ += n; }
  bool over_limit() const { return produced_ > max_out_; }
  ErrorCode finish() {
    if (over_limit()) return ErrorCode::kCorruptMessage;
    out_.resize(produced_);
    return ErrorCode::kNone;
  }

 private:
  std::vector<uint8_t>& out_;
  size_t limit_;
  size_t max_out_;
  size_t produced_ = 0;
};

// ---- gzip ----

ErrorCode gunzip(ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  if (in.size() > kMaxInput) return ErrorCode::kCorruptMessage;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return ErrorCode::kUnknownServerError;
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  Sink sink(out, max_out, in.size() * 4);
  zs.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct
  zs.avail_in = static_cast<uInt>(in.size());
  while (true) {
    if (!sink.reserve()) return ErrorCode::kCorruptMessage;
    uInt room = static_cast<uInt>(std::min<size_t>(sink.free_size(), UINT_MAX));
    zs.next_out = sink.free_begin();
    zs.avail_out = room;
    int rc = inflate(&zs, Z_NO_FLUSH);
    sink.commit(room - zs.avail_out);
    if (sink.over_limit()) return ErrorCode::kCorruptMessage;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) return ErrorCode::kCorruptMessage;  // next gzip member
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) return ErrorCode::kCorruptMessage;  // truncated
    if (rc != Z_OK && rc != Z_BUF_ERROR) return ErrorCode::kCorruptMessage;
  }
  return sink.finish();
}

ErrorCode gzip(ByteView in, std::vector<uint8_t>& out, int level) {
  z_stream zs{};
  if (level == kDefaultLevel) level = Z_DEFAULT_COMPRESSION;
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return ErrorCode::kUnknownServerError;
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) return ErrorCode::kUnknownServerError;
  out.resize(zs.total_out);
  return ErrorCode::kNone;
}

// ---- snappy ----

// xerial snappy-java's stream: this magic, two big-endian int32s (version, compatible version),
// then blocks of [big-endian int32 length][raw snappy block].
constexpr std::array<uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;

bool is_xerial(ByteView in) {
  return in.size() >= kXerialHeaderSize &&
         std::memcmp(in.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

// Appends one raw snappy block to `out`, keeping the total within max_out.
ErrorCode unsnappy_append(ByteView block, std::vector<uint8_t>& out, size_t max_out) {
  const auto* src = reinterpret_cast<const char*>(block.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &length)) {
    return ErrorCode::kCorruptMessage;
  }
  if (length > max_out - out.size()) return ErrorCode::kCorruptMessage;
  size_t at = out.size();
  out.resize(at + length);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + at))) {
    return ErrorCode::kCorruptMessage;
  }
  return ErrorCode::kNone;
}

ErrorCode unsnappy_xerial(ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  ByteView rest = in.subspan(kXerialHeaderSize);
  while (!rest.empty()) {
    if (rest.size() < 4) return ErrorCode::kCorruptMessage;
    const auto length = load_big_endian<uint32_t>(rest.data());
    rest = rest.subspan(4);
    if (length > rest.size()) return ErrorCode::kCorruptMessage;
    if (length > 0) {
      ErrorCode err = unsnappy_append(rest.first(length), out, max_out);
      if (err != ErrorCode::kNone) return err;
    }
    rest = rest.subspan(length);
  }
  return ErrorCode::kNone;
}

ErrorCode unsnappy(ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  out.clear();
  if (is_xerial(in)) return unsnappy_xerial(in, out, max_out);
  return unsnappy_append(in, out, max_out);
}

ErrorCode snappy_raw(ByteView in, std::vector<uint8_t>& out) {
  out.resize(snappy::MaxCompressedLength(in.size()));
  size_t written = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                      reinterpret_cast<char*>(out.data()), &written);
  out.resize(written);
  return ErrorCode::kNone;
}

// ---- lz4 ----

// A thread's decompression context (~100 KB, worth keeping). One that saw an error or an
// unfinished frame is replaced, not reset: liblz4 1.9.4's LZ4F_resetDecompressionContext leaves
// state behind that makes the next frame fail with ERROR_frameSize_wrong.
class Lz4Dctx {
 public:
  ~Lz4Dctx() { LZ4F_freeDecompressionContext(dctx_); }
  LZ4F_dctx* acquire() {
    if (dctx_ != nullptr && !clean_) {
      LZ4F_freeDecompressionContext(dctx_);
      dctx_ = nullptr;
    }
    if (dctx_ == nullptr && LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) {
      dctx_ = nullptr;
    }
    clean_ = false;
    return dctx_;
  }
  void release_clean() { clean_ = true; }

 private:
  LZ4F_dctx* dctx_ = nullptr;
  bool clean_ = false;
};

ErrorCode unlz4(ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  thread_local Lz4Dctx ctx;
  LZ4F_dctx* dctx = ctx.acquire();
  if (dctx == nullptr) return ErrorCode::kUnknownServerError;
  Sink sink(out, max_out, in.size() * 4);
  size_t pos = 0;
  while (true) {
    if (!sink.reserve()) return ErrorCode::kCorruptMessage;
    size_t dst_n = sink.free_size();
    size_t src_n = in.size() - pos;
    size_t hint =
        LZ4F_decompress(dctx, sink.free_begin(), &dst_n, in.data() + pos, &src_n, nullptr);
    if (LZ4F_isError(hint)) return ErrorCode::kCorruptMessage;
    pos += src_n;
    sink.commit(dst_n);
    if (sink.over_limit()) return ErrorCode::kCorruptMessage;
    if (hint == 0 && pos == in.size()) {  // last frame complete
      ctx.release_clean();
      break;
    }
    if (hint != 0 && pos == in.size() && dst_n == 0) {
      return ErrorCode::kCorruptMessage;  // input ended inside a frame
    }
  }
  return sink.finish();
}

ErrorCode lz4(ByteView in, std::vector<uint8_t>& out) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  out.resize(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t written = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(written)) return ErrorCode::kUnknownServerError;
  out.resize(written);
  return ErrorCode::kNone;
}

// ---- zstd ----

struct ZstdDctx {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdDctx() { ZSTD_freeDCtx(dctx); }
};

ErrorCode unzstd(ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  thread_local ZstdDctx ctx;
  if (ctx.dctx == nullptr) return ErrorCode::kUnknownServerError;
  ZSTD_DCtx_reset(ctx.dctx, ZSTD_reset_session_only);
  Sink sink(out, max_out, in.size() * 4);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t hint = 1;
  while (src.pos < src.size || hint != 0) {
    if (!sink.reserve()) return ErrorCode::kCorruptMessage;
    ZSTD_outBuffer dst{sink.free_begin(), sink.free_size(), 0};
    size_t before = src.pos;
    hint = ZSTD_decompressStream(ctx.dctx, &dst, &src);
    if (ZSTD_isError(hint)) return ErrorCode::kCorruptMessage;
    sink.commit(dst.pos);
    if (sink.over_limit()) return ErrorCode::kCorruptMessage;
    bool stalled = dst.pos == 0 && src.pos == before;
    if (hint != 0 && src.pos == src.size && stalled) return ErrorCode::kCorruptMessage;
  }
  return sink.finish();
}

ErrorCode zstd(ByteView in, std::vector<uint8_t>& out, int level) {
  if (level == kDefaultLevel) level = ZSTD_CLEVEL_DEFAULT;
  out.resize(ZSTD_compressBound(in.size()));
  size_t written = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(written)) return ErrorCode::kUnknownServerError;
  out.resize(written);
  return ErrorCode::kNone;
}

}  // namespace

ErrorCode decompress(Compression codec, ByteView in, std::vector<uint8_t>& out, size_t max_out) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_out) return ErrorCode::kCorruptMessage;
      out.assign(in.begin(), in.end());
      return ErrorCode::kNone;
    case Compression::kGzip:
      return gunzip(in, out, max_out);
    case Compression::kSnappy:
      return unsnappy(in, out, max_out);
    case Compression::kLz4:
      return unlz4(in, out, max_out);
    case Compression::kZstd:
      return unzstd(in, out, max_out);
  }
  return ErrorCode::kUnsupportedCompressionType;
}

ErrorCode compress(Compression codec, ByteView in, std::vector<uint8_t>& out, int level) {
  if (in.size() >= kMaxInput) return ErrorCode::kMessageTooLarge;
  switch (codec) {
    case Compression::kNone:
      out.assign(in.begin(), in.end());
      return ErrorCode::kNone;
    case Compression::kGzip:
      return gzip(in, out, level);
    case Compression::kSnappy:
      return snappy_raw(in, out);
    case Compression::kLz4:
      return lz4(in, out);
    case Compression::kZstd:
      return zstd(in, out, level);
  }
  return ErrorCode::kUnsupportedCompressionType;
}

ErrorCode recompress_batch(ByteView batch, Compression codec, int level, size_t max_decompressed,
                           std::vector<uint8_t>& scratch, std::vector<uint8_t>& out) {
  auto header = parse_batch_header(batch);
  if (!header || batch.size() < header->total_size()) return ErrorCode::kCorruptMessage;
  const ByteView records = batch.subspan(kBatchHeaderSize, header->total_size() - kBatchHeaderSize);
  if (ErrorCode err = decompress(header->compression(), records, scratch, max_decompressed);
      err != ErrorCode::kNone) {
    return err;
  }
  thread_local std::vector<uint8_t> compressed;
  if (ErrorCode err = compress(codec, scratch, compressed, level); err != ErrorCode::kNone) {
    return err;
  }
  if (compressed.size() > static_cast<size_t>(INT32_MAX) - kBatchHeaderSize) {
    return ErrorCode::kMessageTooLarge;
  }
  header->attributes =
      static_cast<int16_t>((header->attributes & ~kCompressionMask) | static_cast<int16_t>(codec));
  header->batch_length = static_cast<int32_t>(kBatchHeaderSize - kLogOverhead + compressed.size());
  const size_t start = out.size();
  out.resize(start + header->total_size());
  const std::span<uint8_t> rebuilt(out.data() + start, header->total_size());
  write_batch_header(*header, rebuilt);
  std::memcpy(rebuilt.data() + kBatchHeaderSize, compressed.data(), compressed.size());
  update_batch_crc(rebuilt);
  return ErrorCode::kNone;
}

}  // namespace gregor::protocol
