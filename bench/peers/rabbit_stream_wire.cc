#include "rabbit_stream_wire.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>

#include "peer_run.h"

namespace gregor::bench::stream {

FrameWriter::FrameWriter(uint16_t key, uint16_t version) {
  u32(0);  // the size, known at finish()
  u16(key);
  u16(version);
}

FrameWriter& FrameWriter::u8(uint8_t value) {
  buffer_.push_back(static_cast<char>(value));
  return *this;
}

FrameWriter& FrameWriter::u16(uint16_t value) {
  return u8(static_cast<uint8_t>(value >> 8)).u8(static_cast<uint8_t>(value));
}

FrameWriter& FrameWriter::u32(uint32_t value) {
  return u16(static_cast<uint16_t>(value >> 16)).u16(static_cast<uint16_t>(value));
}

FrameWriter& FrameWriter::u64(uint64_t value) {
  return u32(static_cast<uint32_t>(value >> 32)).u32(static_cast<uint32_t>(value));
}

FrameWriter& FrameWriter::string(std::string_view value) {
  u16(static_cast<uint16_t>(value.size()));
  buffer_.append(value);
  return *this;
}

FrameWriter& FrameWriter::bytes(std::string_view value) {
  u32(static_cast<uint32_t>(value.size()));
  buffer_.append(value);
  return *this;
}

void FrameWriter::patch_u32(size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    buffer_[offset + i] = static_cast<char>(value >> (24 - 8 * i));
}

const std::string& FrameWriter::finish() {
  patch_u32(0, static_cast<uint32_t>(buffer_.size() - 4));
  return buffer_;
}

uint64_t FrameReader::read(int width) {
  if (at_ + width > data_.size()) {
    overrun_ = true;
    at_ = data_.size();
    return 0;
  }
  uint64_t value = 0;
  for (int i = 0; i < width; ++i)
    value = (value << 8) | static_cast<uint8_t>(data_[at_ + i]);
  at_ += width;
  return value;
}

uint8_t FrameReader::u8() {
  return static_cast<uint8_t>(read(1));
}
uint16_t FrameReader::u16() {
  return static_cast<uint16_t>(read(2));
}
uint32_t FrameReader::u32() {
  return static_cast<uint32_t>(read(4));
}
uint64_t FrameReader::u64() {
  return read(8);
}

void FrameReader::skip(size_t count) {
  if (at_ + count > data_.size()) overrun_ = true;
  at_ = std::min(at_ + count, data_.size());
}

int64_t records_of_chunk(FrameReader& chunk) {
  chunk.u8();  // magic and version
  const uint8_t chunk_type = chunk.u8();
  const uint16_t entries = chunk.u16();
  chunk.u32();                            // records
  chunk.skip(8 + 8 + 8 + 4 + 4 + 4 + 4);  // timestamp, epoch, first offset, CRC, sizes, reserved
  if (chunk_type != 0) return 0;
  int64_t records = 0;
  for (uint16_t i = 0; i < entries && !chunk.overrun(); ++i) {
    const uint32_t head = chunk.u32();
    if ((head & 0x80000000u) == 0) {  // a simple entry: its size, then the message
      chunk.skip(head);
      ++records;
      continue;
    }
    // A sub-batch: a byte of type and codec, uint16 records, uint32 uncompressed size (its
    // first byte ends `head`), uint32 size of the data that follows, the data.
    records += (head >> 8) & 0xffff;
    chunk.skip(3);
    chunk.skip(chunk.u32());
  }
  return records;
}

Connection::Connection(const std::string& host, int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (fd_ < 0 || inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    fail("stream: cannot connect to " + host + ":" + std::to_string(port));
  const int on = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

void Connection::send(const std::string& frame) {
  for (size_t sent = 0; sent < frame.size();) {
    const ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("stream: connection lost while sending");
    sent += static_cast<size_t>(n);
  }
}

bool Connection::fill(bool wait) {
  if (consumed_ > 0 && consumed_ * 2 > in_.size()) {  // keep the buffer from growing forever
    in_.erase(0, consumed_);
    consumed_ = 0;
  }
  char chunk[65536];
  const ssize_t n = recv(fd_, chunk, sizeof chunk, wait ? 0 : MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  if (n <= 0) fail("stream: the server closed the connection");
  in_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::string Connection::receive(bool wait) {
  for (;;) {
    const size_t available = in_.size() - consumed_;
    if (available >= 4) {
      const uint32_t size = FrameReader(in_.substr(consumed_, 4)).u32();
      if (available >= 4 + size) {
        std::string frame = in_.substr(consumed_ + 4, size);
        consumed_ += 4 + size;
        return frame;
      }
    }
    if (!fill(wait)) return {};
  }
}

uint16_t Connection::call(FrameWriter& request, uint32_t correlation) {
  send(request.finish());
  for (;;) {
    FrameReader reply(receive());
    const uint16_t key = reply.u16();
    reply.u16();  // version
    if ((key & kResponse) == 0 || reply.u32() != correlation) continue;
    return reply.u16();
  }
}

void Connection::open() {
  FrameWriter properties(kPeerProperties);
  properties.u32(1).u32(1).string("product").string("gregor-bench");
  if (call(properties, 1) != kOk) fail("stream: peer properties refused");
  FrameWriter handshake(kSaslHandshake);
  handshake.u32(2);
  if (call(handshake, 2) != kOk) fail("stream: SASL handshake refused");
  FrameWriter authenticate(kSaslAuthenticate);
  authenticate.u32(3).string("PLAIN").bytes(std::string_view("\0guest\0guest", 12));
  if (call(authenticate, 3) != kOk) fail("stream: authentication failed");
  for (;;) {  // the server proposes its limits; agree, without heartbeats
    FrameReader tune(receive());
    if (tune.u16() != kTune) continue;
    tune.u16();
    const uint32_t frame_max = tune.u32();
    FrameWriter reply(kResponse | kTune);
    reply.u32(frame_max).u32(0);
    send(reply.finish());
    break;
  }
  FrameWriter open(kOpen);
  open.u32(4).string("/");
  if (call(open, 4) != kOk) fail("stream: cannot open vhost /");
}

}  // namespace gregor::bench::stream
