#include "protocol/codec.h"

#include <cstring>
#include <random>

#include "common/coding.h"

namespace gregor::protocol {

bool Uuid::is_zero() const {
  return *this == Uuid{};
}

Uuid Uuid::random() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  Uuid id;
  do {
    for (size_t i = 0; i < id.bytes.size(); i += 8) {
      uint64_t r = rng();
      std::memcpy(&id.bytes[i], &r, 8);
    }
    id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // version 4
    id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // IETF variant
  } while (id.is_zero());
  return id;
}

std::string Uuid::to_string() const {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<Uuid> Uuid::from_string(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  Uuid id;
  uint32_t acc = 0;
  int bits = 0;
  size_t out = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out < id.bytes.size()) id.bytes[out++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return id;
}

// ---- Reader ----

template <typename T>
T Reader::fixed() {
  if (remaining() < sizeof(T)) {
    fail();
    return T{};
  }
  T v = load_big_endian<T>(pos_);
  pos_ += sizeof(T);
  return v;
}

int8_t Reader::i8() {
  return static_cast<int8_t>(fixed<uint8_t>());
}
int16_t Reader::i16() {
  return static_cast<int16_t>(fixed<uint16_t>());
}
int32_t Reader::i32() {
  return static_cast<int32_t>(fixed<uint32_t>());
}
int64_t Reader::i64() {
  return static_cast<int64_t>(fixed<uint64_t>());
}
uint16_t Reader::u16() {
  return fixed<uint16_t>();
}
uint32_t Reader::u32() {
  return fixed<uint32_t>();
}
double Reader::f64() {
  return std::bit_cast<double>(fixed<uint64_t>());
}

uint64_t Reader::uvarlong() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ == end_) break;
    uint8_t b = *pos_++;
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return value;
  }
  fail();
  return 0;
}

uint32_t Reader::uvarint() {
  uint64_t v = uvarlong();
  if (v > UINT32_MAX) {
    fail();
    return 0;
  }
  return static_cast<uint32_t>(v);
}

int32_t Reader::varint() {
  uint32_t v = uvarint();
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

int64_t Reader::varlong() {
  uint64_t v = uvarlong();
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

Uuid Reader::uuid() {
  Uuid id;
  ByteView b = take(id.bytes.size());
  if (!b.empty()) std::memcpy(id.bytes.data(), b.data(), b.size());
  return id;
}

ByteView Reader::take(size_t n) {
  if (remaining() < n) {
    fail();
    return {};
  }
  ByteView v(pos_, n);
  pos_ += n;
  return v;
}

// Length of a string/bytes/array: -1 means null. Classic strings use int16, bytes int32.
int64_t Reader::length(bool compact, bool bytes_length) {
  if (compact) return static_cast<int64_t>(uvarint()) - 1;
  return bytes_length ? i32() : i16();
}

std::string Reader::string(bool compact) {
  auto s = nullable_string(compact);
  if (!s) {
    fail();
    return {};
  }
  return std::move(*s);
}

std::optional<std::string> Reader::nullable_string(bool compact) {
  int64_t n = length(compact, false);
  if (n < 0) {
    if (n < -1) fail();
    return std::nullopt;
  }
  ByteView b = take(static_cast<size_t>(n));
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::vector<uint8_t> Reader::bytes(bool compact) {
  auto b = nullable_bytes(compact);
  if (!b) {
    fail();
    return {};
  }
  return std::move(*b);
}

std::optional<std::vector<uint8_t>> Reader::nullable_bytes(bool compact) {
  int64_t n = length(compact, true);
  if (n < 0) {
    if (n < -1) fail();
    return std::nullopt;
  }
  ByteView b = take(static_cast<size_t>(n));
  return std::vector<uint8_t>(b.begin(), b.end());
}

Records Reader::records(bool compact) {
  int64_t n = length(compact, true);
  if (n < 0) {
    if (n < -1) fail();
    return Records{};
  }
  return Records::of(take(static_cast<size_t>(n)));
}

int32_t Reader::array_length(bool compact) {
  int64_t n = compact ? static_cast<int64_t>(uvarint()) - 1 : i32();
  // Every element takes at least one byte, so a count above the bytes left is a lie; refusing it
  // here keeps a hostile count from reserving gigabytes.
  if (n < -1 || n > static_cast<int64_t>(remaining())) {
    fail();
    return 0;
  }
  return static_cast<int32_t>(n);
}

// ---- Writer ----

void Writer::i16(int16_t v) {
  uint8_t b[2];
  store_big_endian(b, v);
  raw(b, 2);
}

void Writer::i32(int32_t v) {
  uint8_t b[4];
  store_big_endian(b, v);
  raw(b, 4);
}

void Writer::i64(int64_t v) {
  uint8_t b[8];
  store_big_endian(b, v);
  raw(b, 8);
}

void Writer::f64(double v) {
  i64(std::bit_cast<int64_t>(v));
}

void Writer::uvarlong(uint64_t v) {
  while (v >= 0x80) {
    put(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  put(static_cast<uint8_t>(v));
}

void Writer::uvarint(uint32_t v) {
  uvarlong(v);
}
void Writer::varint(int32_t v) {
  uvarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}
void Writer::varlong(int64_t v) {
  uvarlong((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void Writer::string(std::string_view v, bool compact) {
  if (compact) {
    uvarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    i16(static_cast<int16_t>(v.size()));
  }
  raw(v.data(), v.size());
}

void Writer::nullable_string(const std::optional<std::string>& v, bool compact) {
  if (v) return string(*v, compact);
  if (compact) {
    uvarint(0);
  } else {
    i16(-1);
  }
}

void Writer::bytes(ByteView v, bool compact) {
  if (compact) {
    uvarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    i32(static_cast<int32_t>(v.size()));
  }
  raw(v.data(), v.size());
}

void Writer::nullable_bytes(const std::optional<std::vector<uint8_t>>& v, bool compact) {
  if (v) return bytes(*v, compact);
  array_length(-1, compact);
}

void Writer::records(const Records& v, bool compact) {
  if (v.is_null) return array_length(-1, compact);
  if (!v.file) return bytes(v.bytes, compact);
  array_length(v.file->size, compact);
  splices_.push_back(Splice{buf_.size(), *v.file});
  spliced_ += static_cast<size_t>(v.file->size);
}

void Writer::array_length(int32_t n, bool compact) {
  if (compact) {
    uvarint(static_cast<uint32_t>(n + 1));
  } else {
    i32(n);
  }
}

void Writer::raw(const void* data, size_t n) {
  if (n == 0) return;
  auto p = static_cast<const uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + n);
}

void Writer::patch_i32(size_t pos, int32_t v) {
  store_big_endian(buf_.data() + pos, v);
}

void Writer::append(Writer&& other) {
  size_t base = buf_.size();
  buf_.insert(buf_.end(), other.buf_.begin(), other.buf_.end());
  for (auto& s : other.splices_)
    splices_.push_back(Splice{base + s.at, std::move(s.slice)});
  spliced_ += other.spliced_;
}

size_t uvarint_size(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace gregor::protocol
