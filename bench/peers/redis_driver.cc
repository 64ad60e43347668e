// Redis Streams through hiredis. Produce: XADD pipelined, `window` commands written per round
// trip (what redis-benchmark -P does, with a per-record latency added). Consume: XRANGE in
// batches of `window`, each starting after the last entry read (an exclusive range), until the
// wanted number of records was read.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <string>

#include "peer_run.h"

namespace gregor::bench {
namespace {

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

Reply next_reply(redisContext* redis) {
  void* reply = nullptr;
  if (redisGetReply(redis, &reply) != REDIS_OK) fail(std::string("redis: ") + redis->errstr);
  Reply owned(static_cast<redisReply*>(reply), freeReplyObject);
  if (owned->type == REDIS_REPLY_ERROR) fail(std::string("redis: ") + owned->str);
  return owned;
}

void produce(redisContext* redis, const PeerOptions& options) {
  const std::string value = payload(options);
  AckClock clock(options.records);
  const auto start = Clock::now();
  for (int64_t sent = 0; sent < options.records;) {
    const int64_t batch = std::min<int64_t>(options.window, options.records - sent);
    for (int64_t i = 0; i < batch; ++i) {
      clock.sent(sent + i);
      redisAppendCommand(redis, "XADD %s * v %b", options.topic.c_str(), value.data(),
                         value.size());
    }
    for (int64_t i = 0; i < batch; ++i)
      next_reply(redis);
    sent += batch;
    clock.acked_up_to(sent - 1);
  }
  print_result(options, options.records, start, &clock.histogram());
}

void consume(redisContext* redis, const PeerOptions& options) {
  std::string after = "-";
  int64_t read = 0;
  const auto start = Clock::now();
  while (read < options.records) {
    Reply reply(static_cast<redisReply*>(redisCommand(redis, "XRANGE %s %s + COUNT %d",
                                                      options.topic.c_str(), after.c_str(),
                                                      options.window)),
                freeReplyObject);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) fail("redis: XRANGE failed");
    if (reply->elements == 0) fail("redis: the stream holds fewer records than asked for");
    read += static_cast<int64_t>(reply->elements);
    // Each entry is [id, [field, value]]: the next batch starts after the last id.
    after = std::string("(") + reply->element[reply->elements - 1]->element[0]->str;
  }
  print_result(options, read, start, nullptr);
}

}  // namespace

void run_driver(const PeerOptions& options) {
  redisContext* redis = redisConnect(options.host.c_str(), options.port);
  if (redis == nullptr || redis->err) fail("redis: cannot connect");
  run_mode(
      options, [&] { produce(redis, options); }, [&] { consume(redis, options); });
  redisFree(redis);
}

}  // namespace gregor::bench
