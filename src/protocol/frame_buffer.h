// The bytes of one request frame as read from a socket, owned by the request while it is
// handled (protocol::Reader and std::span read it like any vector).
//
//   FrameBuffer frame(size);   // not zero-filled
//   co_await asio::async_read(socket, asio::buffer(frame), ...);
//
// A plain std::vector<uint8_t>(n) writes n zeros that the socket read overwrites at once; for
// produce requests of about 1 MB that memset was a measurable share of the broker's CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace gregor::protocol {

// std::allocator, except that value-less construction (resize, the size constructor) leaves the
// element uninitialized instead of value-initializing it.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  explicit UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using FrameBuffer = std::vector<uint8_t, UninitializedAllocator<uint8_t>>;

}  // namespace gregor::protocol
