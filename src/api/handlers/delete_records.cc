// DeleteRecords: moves partitions' log start offsets forward, making earlier records unreadable
// (the segments holding only such records go with retention). Offset -1 means the high watermark.
#include "protocol/messages/delete_records.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

constexpr int64_t kHighWatermark = -1;

void delete_before(Broker& broker, const std::string& topic,
                   const DeleteRecordsRequest::DeleteRecordsPartition& want,
                   DeleteRecordsResponse::DeleteRecordsPartitionResult& out) {
  out.partition_index = want.partition_index;
  out.low_watermark = -1;
  // Only the leader moves the log start; a follower or a broker without the partition answers
  // NOT_LEADER_OR_FOLLOWER when the topic exists, so the client refreshes metadata and retries.
  auto partition = broker.replicas().get(topic, want.partition_index);
  if (const auto error = broker.leadership_error(topic, want.partition_index, partition.get());
      error != ErrorCode::kNone) {
    out.error_code = to_wire(error);
    return;
  }
  const int64_t hw = partition->high_watermark();
  const int64_t offset = want.offset == kHighWatermark ? hw : want.offset;
  ErrorCode error = ErrorCode::kOffsetOutOfRange;
  if (offset >= 0 && offset <= hw) error = partition->log().advance_log_start_offset(offset);
  out.error_code = to_wire(error);
  if (error == ErrorCode::kNone) out.low_watermark = partition->log().log_start_offset();
}

}  // namespace

void handle_delete_records(const RequestPtr& request, protocol::DeleteRecordsRequest body) {
  DeleteRecordsResponse response;
  for (const auto& topic : body.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& want : topic.partitions) {
      delete_before(request->broker(), topic.name, want, topic_out.partitions.emplace_back());
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
