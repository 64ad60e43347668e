// NATS JetStream through the C client (libnats). Produce: creates a file-storage stream named
// after the topic and publishes asynchronously with at most `window` publishes awaiting their
// ack; each ack carries the record's sequence in the stream, which numbers the record (the
// stream is fresh and has this one publisher). Consume: a durable pull consumer with no acks, one
// per process, fetching batches of `window`.
#include <nats/nats.h>
#include <unistd.h>

#include <string>

#include "peer_run.h"

namespace gregor::bench {
namespace {

void check(natsStatus status, const char* what) {
  if (status != NATS_OK)
    fail(std::string("nats: ") + what + ": " + natsStatus_GetText(status) + " " +
         nats_GetLastError(nullptr));
}

void on_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  if (error != nullptr) fail(std::string("nats: publish failed: ") + error->ErrText);
  static_cast<AckClock*>(closure)->acked(static_cast<int64_t>(ack->Sequence) - 1);
  natsMsg_Destroy(msg);
}

jsCtx* jetstream(natsConnection* connection, const PeerOptions& options, AckClock* clock) {
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.PublishAsync.MaxPending = options.window;
  js_options.PublishAsync.AckHandler = on_ack;
  js_options.PublishAsync.AckHandlerClosure = clock;
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, connection, &js_options), "JetStream context");
  return js;
}

void create_stream(jsCtx* js, const PeerOptions& options) {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {options.topic.c_str()};
  config.Name = options.topic.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  jsErrCode error = static_cast<jsErrCode>(0);
  check(js_AddStream(nullptr, js, &config, nullptr, &error), "create stream");
}

void produce(natsConnection* connection, const PeerOptions& options) {
  AckClock clock(options.records);
  jsCtx* js = jetstream(connection, options, &clock);
  create_stream(js, options);
  const std::string value = payload(options);
  const auto start = Clock::now();
  for (int64_t i = 0; i < options.records; ++i) {
    clock.sent(i);
    check(js_PublishAsync(js, options.topic.c_str(), value.data(), static_cast<int>(value.size()),
                          nullptr),
          "publish");
  }
  check(js_PublishAsyncComplete(js, nullptr), "wait for acks");
  print_result(options, clock.acknowledged(), start, &clock.histogram());
  jsCtx_Destroy(js);
}

void consume(natsConnection* connection, const PeerOptions& options) {
  jsCtx* js = jetstream(connection, options, nullptr);
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Config.AckPolicy = js_AckNone;
  natsSubscription* subscription = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  // A durable of its own per process: a second reader of the same stream starts from the first
  // message too, instead of where the previous one stopped.
  const std::string durable = "bench-reader-" + std::to_string(::getpid());
  check(js_PullSubscribe(&subscription, js, options.topic.c_str(), durable.c_str(), nullptr,
                         &sub_options, &error),
        "pull subscribe");
  int64_t read = 0;
  const auto start = Clock::now();
  while (read < options.records) {
    natsMsgList batch{};
    check(natsSubscription_Fetch(&batch, subscription, options.window, 5000, &error), "fetch");
    read += batch.Count;
    natsMsgList_Destroy(&batch);
  }
  print_result(options, read, start, nullptr);
  natsSubscription_Destroy(subscription);
  jsCtx_Destroy(js);
}

}  // namespace

void run_driver(const PeerOptions& options) {
  natsConnection* connection = nullptr;
  const std::string url = "nats://" + options.host + ":" + std::to_string(options.port);
  check(natsConnection_ConnectTo(&connection, url.c_str()), "connect");
  run_mode(
      options, [&] { produce(connection, options); }, [&] { consume(connection, options); });
  natsConnection_Destroy(connection);
}

}  // namespace gregor::bench
