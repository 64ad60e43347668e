// Fixed-width integers in the byte order a format prescribes, whatever the host's: big-endian
// for everything Kafka defines (the protocol, record batches, index files), little-endian for
// Gregor's own metadata journal and for hashing. The one place byte order is handled; compiles to
// a load or store plus at most one byte swap.
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace gregor {
namespace coding_detail {

template <std::unsigned_integral U>
constexpr U byte_swap(U v) {
  if constexpr (sizeof(U) == 1) return v;
  if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
  if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
  if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(v));
}

template <std::integral T, std::endian order>
T load(const void* p) {
  using U = std::make_unsigned_t<T>;
  U v;
  std::memcpy(&v, p, sizeof(U));
  if constexpr (std::endian::native != order) v = byte_swap(v);
  return static_cast<T>(v);
}

template <std::endian order, std::integral T>
void store(void* p, T value) {
  using U = std::make_unsigned_t<T>;
  auto v = static_cast<U>(value);
  if constexpr (std::endian::native != order) v = byte_swap(v);
  std::memcpy(p, &v, sizeof(U));
}

}  // namespace coding_detail

// Reads a T from the sizeof(T) bytes at `p`, which need not be aligned.
template <std::integral T>
T load_big_endian(const void* p) {
  return coding_detail::load<T, std::endian::big>(p);
}
template <std::integral T>
T load_little_endian(const void* p) {
  return coding_detail::load<T, std::endian::little>(p);
}

// Writes `value` to the sizeof(T) bytes at `p`, which need not be aligned.
template <std::integral T>
void store_big_endian(void* p, T value) {
  coding_detail::store<std::endian::big>(p, value);
}
template <std::integral T>
void store_little_endian(void* p, T value) {
  coding_detail::store<std::endian::little>(p, value);
}

}  // namespace gregor
