// The one codec for Kafka's primitive types. Generated message code (schemas/ -> codegen) calls
// these; nothing else in Gregor reads or writes protocol bytes by hand.
//
//   Reader in(frame);                      Writer out;
//   int32_t id = in.i32();                 out.i32(id);
//   if (!in.ok()) { /* malformed */ }      out.compact_string("topic");
//
// Reader never throws: a read past the end or an impossible length sets a sticky failure, after
// which every read returns a zero value. Callers check ok() once at the end.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_handle.h"

namespace gregor::protocol {

using ByteView = std::span<const uint8_t>;

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const;
  static Uuid random();
  // Kafka prints topic ids as URL-safe base64 without padding.
  std::string to_string() const;
  // Parses the form to_string() prints; nullopt for anything else.
  static std::optional<Uuid> from_string(std::string_view text);
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

// A region of an open file, sent to the socket without copying it through user space.
struct FileSlice {
  SharedFile file;
  int64_t offset = 0;
  int32_t size = 0;
};

// A record-batch payload: on decode a view into the request buffer (zero-copy); on encode either
// memory or a file slice. is_null distinguishes a null payload from an empty one.
struct Records {
  bool is_null = true;
  ByteView bytes;
  std::optional<FileSlice> file;

  size_t size() const { return file ? static_cast<size_t>(file->size) : bytes.size(); }
  static Records of(ByteView view) { return Records{false, view, std::nullopt}; }
  static Records of(FileSlice slice) { return Records{false, {}, std::move(slice)}; }
};

class Reader {
 public:
  explicit Reader(ByteView data) : pos_(data.data()), end_(data.data() + data.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  const uint8_t* position() const { return pos_; }
  void fail() {
    ok_ = false;
    pos_ = end_;
  }

  int8_t i8();
  int16_t i16();
  int32_t i32();
  int64_t i64();
  uint16_t u16();
  uint32_t u32();
  double f64();
  bool boolean() { return i8() != 0; }
  uint32_t uvarint();
  uint64_t uvarlong();
  int32_t varint();
  int64_t varlong();
  Uuid uuid();

  // Strings, bytes and arrays: classic (int16/int32 length) or compact (uvarint length + 1).
  std::string string(bool compact);
  std::optional<std::string> nullable_string(bool compact);
  std::vector<uint8_t> bytes(bool compact);
  std::optional<std::vector<uint8_t>> nullable_bytes(bool compact);
  Records records(bool compact);
  // Element count of an array, -1 for null. Fails when the count cannot fit the remaining bytes.
  int32_t array_length(bool compact);

  ByteView take(size_t n);
  void skip(size_t n) { take(n); }

 private:
  template <typename T>
  T fixed();
  int64_t length(bool compact, bool bytes_length);

  const uint8_t* pos_;
  const uint8_t* end_;
  bool ok_ = true;
};

// Output of an encode: bytes in memory, with file slices spliced in at given byte positions.
class Writer {
 public:
  struct Splice {
    size_t at;  // position in bytes() before which the slice goes
    FileSlice slice;
  };

  void i8(int8_t v) { put(static_cast<uint8_t>(v)); }
  void i16(int16_t v);
  void i32(int32_t v);
  void i64(int64_t v);
  void u16(uint16_t v) { i16(static_cast<int16_t>(v)); }
  void u32(uint32_t v) { i32(static_cast<int32_t>(v)); }
  void f64(double v);
  void boolean(bool v) { put(v ? 1 : 0); }
  void uvarint(uint32_t v);
  void uvarlong(uint64_t v);
  void varint(int32_t v);
  void varlong(int64_t v);
  void uuid(const Uuid& v) { raw(v.bytes.data(), v.bytes.size()); }

  void string(std::string_view v, bool compact);
  void nullable_string(const std::optional<std::string>& v, bool compact);
  void bytes(ByteView v, bool compact);
  void nullable_bytes(const std::optional<std::vector<uint8_t>>& v, bool compact);
  void records(const Records& v, bool compact);
  void array_length(int32_t n, bool compact);  // n == -1 writes null

  void raw(const void* data, size_t n);
  void put(uint8_t b) { buf_.push_back(b); }
  // Overwrites 4 bytes at pos with a big-endian int32 (for a length prefix known only at the end).
  void patch_i32(size_t pos, int32_t v);

  // Total encoded size, including spliced file slices.
  size_t size() const { return buf_.size() + spliced_; }
  const std::vector<uint8_t>& bytes() const { return buf_; }
  std::vector<uint8_t>& bytes() { return buf_; }
  const std::vector<Splice>& splices() const { return splices_; }
  // Moves everything written to `other` onto the end of this writer.
  void append(Writer&& other);

 private:
  std::vector<uint8_t> buf_;
  std::vector<Splice> splices_;
  size_t spliced_ = 0;
};

// Tagged fields (KIP-482) are length-prefixed; generated code encodes a tagged value into a
// scratch writer to learn its size. Sizes of the varints are needed for that.
size_t uvarint_size(uint32_t v);

}  // namespace gregor::protocol
