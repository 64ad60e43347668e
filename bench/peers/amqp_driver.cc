// RabbitMQ stream queues over AMQP 0.9.1 through librabbitmq. Produce: declares a durable
// queue of type stream named after the topic, turns on publisher confirms and publishes
// persistent messages to it with at most `window` unconfirmed; a confirm acknowledges its
// delivery tag (the record's number + 1) or, with `multiple`, every tag up to it. Consume:
// basic.consume from the stream's first offset (streams need a prefetch and manual acks),
// acknowledging every half window.
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <string>

#include "peer_run.h"

namespace gregor::bench {
namespace {

constexpr amqp_channel_t kChannel = 1;
constexpr int64_t kConfirmPollEvery = 64;

void check(amqp_rpc_reply_t reply, const char* what) {
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail(std::string("amqp: ") + what + " failed");
}

amqp_connection_state_t connect(const PeerOptions& options) {
  amqp_connection_state_t connection = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(connection);
  if (amqp_socket_open(socket, options.host.c_str(), options.port) != AMQP_STATUS_OK)
    fail("amqp: cannot connect");
  check(amqp_login(connection, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
        "login");
  amqp_channel_open(connection, kChannel);
  check(amqp_get_rpc_reply(connection), "channel open");
  return connection;
}

amqp_table_entry_t text_entry(const char* key, const char* value) {
  amqp_table_entry_t entry{};
  entry.key = amqp_cstring_bytes(key);
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = amqp_cstring_bytes(value);
  return entry;
}

// Reads one frame, waiting for it only when `block`; false when none was there.
bool take_confirm(amqp_connection_state_t connection, AckClock& clock, bool block) {
  amqp_frame_t frame;
  timeval no_wait{0, 0};
  const int status = amqp_simple_wait_frame_noblock(connection, &frame, block ? nullptr : &no_wait);
  if (status == AMQP_STATUS_TIMEOUT) return false;
  if (status != AMQP_STATUS_OK) fail("amqp: connection lost");
  if (frame.frame_type != AMQP_FRAME_METHOD) return true;
  if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) fail("amqp: a publish was refused");
  if (frame.payload.method.id != AMQP_BASIC_ACK_METHOD) return true;
  const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
  const auto number = static_cast<int64_t>(ack->delivery_tag) - 1;
  if (ack->multiple)
    clock.acked_up_to(number);
  else
    clock.acked(number);
  return true;
}

void produce(amqp_connection_state_t connection, const PeerOptions& options) {
  amqp_table_entry_t stream_type = text_entry("x-queue-type", "stream");
  const amqp_bytes_t queue = amqp_cstring_bytes(options.topic.c_str());
  amqp_queue_declare(connection, kChannel, queue, 0, 1, 0, 0, amqp_table_t{1, &stream_type});
  check(amqp_get_rpc_reply(connection), "queue declare");
  amqp_confirm_select(connection, kChannel);
  check(amqp_get_rpc_reply(connection), "confirm select");
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.delivery_mode = 2;  // persistent
  const std::string value = payload(options);
  const amqp_bytes_t body{value.size(), const_cast<char*>(value.data())};
  AckClock clock(options.records);
  const auto start = Clock::now();
  for (int64_t i = 0; i < options.records; ++i) {
    while (i - clock.acknowledged() >= options.window) {
      amqp_maybe_release_buffers(connection);
      take_confirm(connection, clock, true);
    }
    clock.sent(i);
    if (amqp_basic_publish(connection, kChannel, amqp_empty_bytes, queue, 0, 0, &properties,
                           body) != AMQP_STATUS_OK)
      fail("amqp: publish failed");
    if (i % kConfirmPollEvery == 0) {  // a poll per publish would cost more than the publish
      amqp_maybe_release_buffers(connection);
      while (take_confirm(connection, clock, false)) {
      }
    }
  }
  while (clock.acknowledged() < options.records)
    take_confirm(connection, clock, true);
  print_result(options, options.records, start, &clock.histogram());
}

void consume(amqp_connection_state_t connection, const PeerOptions& options) {
  amqp_basic_qos(connection, kChannel, 0, static_cast<uint16_t>(std::min(options.window, 65535)),
                 0);
  check(amqp_get_rpc_reply(connection), "qos");
  amqp_table_entry_t from_first = text_entry("x-stream-offset", "first");
  amqp_basic_consume(connection, kChannel, amqp_cstring_bytes(options.topic.c_str()),
                     amqp_empty_bytes, 0, 0, 0, amqp_table_t{1, &from_first});
  check(amqp_get_rpc_reply(connection), "consume");
  const int64_t ack_every = std::max(1, options.window / 2);
  int64_t read = 0;
  const auto start = Clock::now();
  while (read < options.records) {
    amqp_maybe_release_buffers(connection);
    amqp_envelope_t envelope;
    check(amqp_consume_message(connection, &envelope, nullptr, 0), "receive");
    if (++read % ack_every == 0 || read == options.records)
      amqp_basic_ack(connection, kChannel, envelope.delivery_tag, 1);
    amqp_destroy_envelope(&envelope);
  }
  print_result(options, read, start, nullptr);
}

}  // namespace

void run_driver(const PeerOptions& options) {
  amqp_connection_state_t connection = connect(options);
  run_mode(
      options, [&] { produce(connection, options); }, [&] { consume(connection, options); });
  amqp_connection_close(connection, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(connection);
}

}  // namespace gregor::bench
