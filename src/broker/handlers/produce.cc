// Produce: validate each partition's batches, append them as they arrived (offsets assigned in
// place), and answer according to acks: 0 = no response at all, 1 = once appended (page cache),
// -1 (all) = once the flusher has made every appended partition durable (group commit).
#include <atomic>
#include <chrono>
#include <mutex>

#include "broker/api_registry.h"
#include "broker/broker.h"
#include "protocol/messages/produce.h"

namespace gregor::broker {
namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::PartitionProduceResponse;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A response waiting for fsyncs; completed by whichever flush callback finishes last.
struct PendingDurability {
  RequestPtr request;
  ProduceResponse response;
  std::atomic<int> outstanding{0};
  std::mutex mutex;  // guards error codes written from flusher callbacks
};

ProduceResponse error_response(const ProduceRequest& body, ErrorCode error) {
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

}  // namespace

void handle_produce(const RequestPtr& request) {
  ProduceRequest body;
  if (!request->decode(body)) return request->close_connection();
  if (request->version() < 3) {
    // Produce v0-v2 carry message formats 0 and 1, which Gregor does not store.
    return request->respond(error_response(body, ErrorCode::kUnsupportedVersion));
  }
  if (body.acks != 0 && body.acks != 1 && body.acks != -1) {
    return request->respond(error_response(body, ErrorCode::kInvalidRequiredAcks));
  }
  if (body.transactional_id) {
    return request->respond(error_response(body, ErrorCode::kTransactionalIdAuthorizationFailed));
  }

  Broker& broker = request->broker();
  auto pending = std::make_shared<PendingDurability>();
  pending->request = request;
  struct Flush {
    std::shared_ptr<Partition> partition;
    int64_t end_offset;
    PartitionResponse* out;
  };
  std::vector<Flush> to_flush;
  const auto body_bytes = request->body();
  const int64_t now = now_ms();
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
        out.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      if (data.records.is_null || data.records.size() == 0) {
        out.error_code = to_wire(ErrorCode::kCorruptMessage);
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
        to_flush.push_back({partition, result.last_offset + 1, &out});
      }
    }
  }

  if (body.acks == 0) return request->respond_nothing();
  if (to_flush.empty()) return request->respond(pending->response);

  // +1 so that no callback completes the response while callbacks are still being registered.
  pending->outstanding = static_cast<int>(to_flush.size()) + 1;
  auto finish_one = [pending] {
    if (--pending->outstanding == 0) pending->request->respond(pending->response);
  };
  for (auto& [partition, end_offset, out] : to_flush) {
    broker.flusher().await_durable(partition->shared_log(), end_offset,
                                   [pending, out, finish_one](bool durable) {
                                     if (!durable) {
                                       std::lock_guard lock(pending->mutex);
                                       out->error_code = to_wire(ErrorCode::kKafkaStorageError);
                                     }
                                     finish_one();
                                   });
  }
  finish_one();
}

}  // namespace gregor::broker
