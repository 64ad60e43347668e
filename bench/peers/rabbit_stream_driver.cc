// RabbitMQ streams over RabbitMQ's own stream protocol (rabbit_stream_wire.h), the way its
// clients use it. Produce: creates the stream, declares a publisher and sends Publish frames of
// up to 100 messages, numbered by their publishing id (the record's number), with at most
// `window` messages not yet confirmed; a confirm comes once the stream stored the message.
// Consume: subscribes from the first offset with a credit of 10 chunks, and gives one credit
// back per delivered chunk, counting the records of each chunk.
#include <algorithm>
#include <string>

#include "peer_run.h"
#include "rabbit_stream_wire.h"

namespace gregor::bench {
namespace {

using namespace stream;

constexpr int kMessagesPerFrame = 100;
constexpr uint8_t kId = 0;  // the one publisher or subscription of the connection

void create_stream(Connection& connection, const std::string& name) {
  FrameWriter create(kCreate);
  create.u32(10).string(name).u32(0);
  const uint16_t code = connection.call(create, 10);
  if (code != kOk && code != kStreamAlreadyExists) fail("stream: cannot create " + name);
}

// Handles one frame from the server; false when none had arrived and `wait` is false.
bool take_confirms(Connection& connection, AckClock& clock, bool wait) {
  const std::string frame = connection.receive(wait);
  if (frame.empty()) return false;
  FrameReader reader(frame);
  const uint16_t key = reader.u16();
  reader.u16();
  if (key == kPublishError) fail("stream: a publish was refused");
  if (key != kPublishConfirm) return true;
  reader.u8();
  const uint32_t count = reader.u32();
  for (uint32_t i = 0; i < count && !reader.overrun(); ++i)
    clock.acked(static_cast<int64_t>(reader.u64()));
  return true;
}

void produce(Connection& connection, const PeerOptions& options) {
  create_stream(connection, options.topic);
  FrameWriter declare(kDeclarePublisher);
  declare.u32(11).u8(kId).string("").string(options.topic);
  if (connection.call(declare, 11) != kOk) fail("stream: cannot declare the publisher");
  const std::string value = payload(options);
  AckClock clock(options.records);
  const auto start = Clock::now();
  for (int64_t next = 0; next < options.records;) {
    while (next - clock.acknowledged() >= options.window)
      take_confirms(connection, clock, true);
    const int64_t count = std::min<int64_t>(kMessagesPerFrame, options.records - next);
    FrameWriter publish(kPublish);
    publish.u8(kId).u32(static_cast<uint32_t>(count));
    for (int64_t i = 0; i < count; ++i, ++next) {
      clock.sent(next);
      publish.u64(static_cast<uint64_t>(next)).bytes(value);
    }
    connection.send(publish.finish());
    while (take_confirms(connection, clock, false)) {
    }
  }
  while (clock.acknowledged() < options.records)
    take_confirms(connection, clock, true);
  print_result(options, options.records, start, &clock.histogram());
}

void consume(Connection& connection, const PeerOptions& options) {
  constexpr uint16_t kFirstOffset = 1;
  FrameWriter subscribe(kSubscribe);
  subscribe.u32(12).u8(kId).string(options.topic).u16(kFirstOffset).u16(10).u32(0);
  const auto start = Clock::now();
  if (connection.call(subscribe, 12) != kOk) fail("stream: cannot subscribe to " + options.topic);
  int64_t read = 0;
  while (read < options.records) {
    FrameReader deliver(connection.receive());
    if (deliver.u16() != kDeliver) continue;
    deliver.u16();
    deliver.u8();  // subscription
    read += records_of_chunk(deliver);
    if (deliver.overrun()) fail("stream: a truncated chunk");
    FrameWriter credit(kCredit);
    credit.u8(kId).u16(1);
    connection.send(credit.finish());
  }
  print_result(options, read, start, nullptr);
}

}  // namespace

void run_driver(const PeerOptions& options) {
  stream::Connection connection(options.host, options.port);
  connection.open();
  run_mode(
      options, [&] { produce(connection, options); }, [&] { consume(connection, options); });
}

}  // namespace gregor::bench
