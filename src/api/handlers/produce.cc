// Produce: validate each partition's batches, append them as they arrived (offsets assigned in
// place), and answer according to acks: 0 = no response at all, 1 = once appended (page cache),
// -1 (all) = once the flusher has made every appended partition durable (group commit) and the
// ISR has it (the high watermark passed it), within the request's timeout_ms. Only leaders
// take records; acks=all needs min.insync.replicas in the ISR.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "common/clock.h"
#include "protocol/messages/produce.h"

namespace gregor::api {

using broker::Partition;

namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::PartitionProduceResponse;

// A response waiting for fsyncs and replication; completed by whichever callback finishes last,
// or by the timeout, exactly once.
struct PendingDurability {
  struct Waiting {
    std::shared_ptr<Partition> partition;
    int64_t end_offset;
    PartitionResponse* out;
    bool done = false;
  };

  RequestPtr request;
  ProduceResponse response;
  std::vector<Waiting> waiting;  // fixed before any callback can run
  std::atomic<int> outstanding{0};
  std::mutex mutex;  // guards `responded`, the `done` flags and error codes set by callbacks
  bool responded = false;
  std::shared_ptr<void> timer;

  // Partition `i` is done (with `error`); responds when it was the last one.
  void finish(size_t i, ErrorCode error) {
    {
      std::lock_guard lock(mutex);
      if (responded) return;
      waiting[i].done = true;
      if (error != ErrorCode::kNone) waiting[i].out->error_code = to_wire(error);
    }
    if (--outstanding == 0) respond(ErrorCode::kNone);
  }
  // Responds unless done already; partitions still waiting get `timeout_error`.
  void respond(ErrorCode timeout_error) {
    {
      std::lock_guard lock(mutex);
      if (responded) return;
      responded = true;
      for (auto& w : waiting) {
        if (!w.done && timeout_error != ErrorCode::kNone)
          w.out->error_code = to_wire(timeout_error);
      }
    }
    request->respond(response);
  }
};

// The ISR has the records: acknowledged, unless it shrank below min.insync.replicas meanwhile.
ErrorCode replicated(const Partition& partition, ErrorCode error) {
  if (error == ErrorCode::kNone && partition.isr_size() < partition.min_insync_replicas()) {
    return ErrorCode::kNotEnoughReplicasAfterAppend;
  }
  return error;
}

}  // namespace

ProduceResponse produce_error_response(const ProduceRequest& body, ErrorCode error) {
  ProduceResponse response;
  for (const auto& topic : body.topic_data) {
    auto& out = response.responses.emplace_back();
    out.name = topic.name;
    for (const auto& partition : topic.partition_data) {
      auto& p = out.partition_responses.emplace_back();
      p.index = partition.index;
      p.error_code = to_wire(error);
    }
  }
  return response;
}

void handle_produce(const RequestPtr& request, protocol::ProduceRequest body) {
  if (body.acks != 0 && body.acks != 1 && body.acks != -1) {
    return request->respond(produce_error_response(body, ErrorCode::kInvalidRequiredAcks));
  }
  if (body.transactional_id) {
    return request->respond(
        produce_error_response(body, ErrorCode::kTransactionalIdAuthorizationFailed));
  }

  Broker& broker = request->broker();
  auto pending = std::make_shared<PendingDurability>();
  pending->request = request;
  const auto body_bytes = request->body();
  const int64_t now = wall_clock_ms();
  pending->response.responses.reserve(body.topic_data.size());

  for (const auto& topic : body.topic_data) {
    auto& topic_out = pending->response.responses.emplace_back();
    topic_out.name = topic.name;
    topic_out.partition_responses.reserve(topic.partition_data.size());
    for (const auto& data : topic.partition_data) {
      auto& out = topic_out.partition_responses.emplace_back();
      out.index = data.index;
      auto partition = broker.replicas().get(topic.name, data.index);
      if (!partition) {
        out.error_code = to_wire(broker.leadership_error(topic.name, data.index, nullptr));
        continue;
      }
      if (data.records.is_null || data.records.size() == 0) {
        out.error_code = to_wire(ErrorCode::kCorruptMessage);
        continue;
      }
      if (body.acks == -1 && partition->is_leader() &&
          partition->isr_size() < partition->min_insync_replicas()) {
        out.error_code = to_wire(ErrorCode::kNotEnoughReplicas);
        continue;
      }
      // The records are a view into the request frame, which this request owns: append them
      // from there, without a copy.
      const auto offset = static_cast<size_t>(data.records.bytes.data() - body_bytes.data());
      auto result = partition->append(body_bytes.subspan(offset, data.records.bytes.size()), now);
      out.error_code = to_wire(result.error);
      out.base_offset = result.base_offset;
      out.log_append_time_ms = result.log_append_time;
      out.log_start_offset = result.log_start_offset;
      if (!result.error_message.empty()) out.error_message = result.error_message;
      for (int32_t index : result.invalid_records) {
        out.record_errors.push_back({index, result.error_message});
      }
      if (result.error == ErrorCode::kNone && body.acks == -1) {
        pending->waiting.push_back({partition, result.last_offset + 1, &out});
      }
    }
  }

  if (body.acks == 0) return request->respond_nothing();
  if (pending->waiting.empty()) return request->respond(pending->response);

  // Waiting for followers may take until the timeout; a single broker's ISR has it at once.
  const bool replicated_elsewhere =
      std::any_of(pending->waiting.begin(), pending->waiting.end(),
                  [](const auto& w) { return w.partition->isr_size() > 1; });
  if (replicated_elsewhere) {
    std::weak_ptr<PendingDurability> weak = pending;
    pending->timer = request->executor().run_after(
        std::chrono::milliseconds(std::max(body.timeout_ms, 0)), [weak] {
          if (auto alive = weak.lock()) alive->respond(ErrorCode::kRequestTimedOut);
        });
  }
  // +1 so that no callback completes the response while callbacks are still being registered.
  pending->outstanding = static_cast<int>(pending->waiting.size()) + 1;
  for (size_t i = 0; i < pending->waiting.size(); ++i) {
    auto& w = pending->waiting[i];
    broker.flusher().await_durable(
        w.partition->shared_log(), w.end_offset, [pending, i](bool durable) {
          auto& partition = pending->waiting[i].partition;
          if (!durable) return pending->finish(i, ErrorCode::kKafkaStorageError);
          partition->await_high_watermark(
              pending->waiting[i].end_offset, [pending, i](ErrorCode error) {
                pending->finish(i, replicated(*pending->waiting[i].partition, error));
              });
        });
  }
  if (--pending->outstanding == 0) pending->respond(ErrorCode::kNone);
}

}  // namespace gregor::api
