// RabbitMQ's stream protocol (the rabbitmq_stream plugin, port 5552 by default), as much of it
// as the bench needs, written from the protocol's public description. Every frame is a uint32
// size, then a uint16 key (high bit set on responses), a uint16 version and the command's
// fields, all big-endian; strings are an int16 length and bytes, arrays an int32 count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gregor::bench::stream {

enum Key : uint16_t {
  kDeclarePublisher = 0x01,
  kPublish = 0x02,
  kPublishConfirm = 0x03,
  kPublishError = 0x04,
  kSubscribe = 0x07,
  kDeliver = 0x08,
  kCredit = 0x09,
  kCreate = 0x0d,
  kPeerProperties = 0x11,
  kSaslHandshake = 0x12,
  kSaslAuthenticate = 0x13,
  kTune = 0x14,
  kOpen = 0x15,
  kHeartbeat = 0x17,
};
constexpr uint16_t kResponse = 0x8000;
constexpr uint16_t kOk = 0x01;
constexpr uint16_t kStreamAlreadyExists = 0x05;

// Builds one frame: `FrameWriter(key).u32(...)...` then `finish()` fills in the size.
class FrameWriter {
 public:
  explicit FrameWriter(uint16_t key, uint16_t version = 1);
  FrameWriter& u8(uint8_t value);
  FrameWriter& u16(uint16_t value);
  FrameWriter& u32(uint32_t value);
  FrameWriter& u64(uint64_t value);
  FrameWriter& string(std::string_view value);
  FrameWriter& bytes(std::string_view value);
  // Overwrites the uint32 at `offset` (a count known only at the end).
  void patch_u32(size_t offset, uint32_t value);
  size_t size() const { return buffer_.size(); }
  const std::string& finish();

 private:
  std::string buffer_;
};

// Reads the fields of a received frame (without its size), which it owns, in order; throws
// nothing: reading past the end yields zeros and sets `overrun`, which the caller checks.
class FrameReader {
 public:
  explicit FrameReader(std::string frame) : data_(std::move(frame)) {}
  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  void skip(size_t count);
  bool overrun() const { return overrun_; }

 private:
  uint64_t read(int width);
  std::string data_;
  size_t at_ = 0;
  bool overrun_ = false;
};

// Walks the entries of a delivered chunk (`chunk` positioned at its header, after Deliver's
// subscription ID), as a client handing each message to its application would, and returns its
// number of user records; tracking chunks hold none. Sets chunk.overrun() when truncated.
int64_t records_of_chunk(FrameReader& chunk);

// A blocking TCP connection to the plugin that sends frames and returns received ones.
class Connection {
 public:
  Connection(const std::string& host, int port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& frame);
  // The next frame (key onwards); when `wait` is false, an empty string if none has arrived.
  std::string receive(bool wait = true);
  // Sends a request and returns the response's code, skipping server commands in between
  // (heartbeats, Tune), which the handshake handles itself.
  uint16_t call(FrameWriter& request, uint32_t correlation);
  // Peer properties, SASL PLAIN as guest, Tune and Open of vhost "/".
  void open();

 private:
  bool fill(bool wait);
  int fd_ = -1;
  std::string in_;
  size_t consumed_ = 0;
};

}  // namespace gregor::bench::stream
