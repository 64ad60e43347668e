// ListOffsets: a partition's earliest (-2) or latest (-1) offset, or the first offset whose
// timestamp is at or after a given time.
#include "protocol/messages/list_offsets.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

using broker::Partition;

namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;  // KIP-734, ListOffsets v7

void look_up(Partition& partition, int64_t timestamp,
             ListOffsetsResponse::ListOffsetsPartitionResponse& out) {
  auto& log = partition.log();
  out.leader_epoch = partition.leader_epoch();
  if (timestamp == kLatest) {
    out.offset = partition.high_watermark();
  } else if (timestamp == kEarliest) {
    out.offset = log.log_start_offset();
  } else if (timestamp < kMaxTimestamp) {
    out.error_code = to_wire(ErrorCode::kInvalidRequest);
    return;
  } else {
    auto found = timestamp == kMaxTimestamp ? log.offset_of_max_timestamp()
                                            : log.offset_for_timestamp(timestamp);
    // No record at or after that time: offset and timestamp -1, as Kafka answers.
    out.offset = found ? found->first : -1;
    out.timestamp = found ? found->second : -1;
  }
  out.old_style_offsets = {out.offset};
}

}  // namespace

void handle_list_offsets(const RequestPtr& request, protocol::ListOffsetsRequest body) {
  Broker& broker = request->broker();
  ListOffsetsResponse response;
  response.topics.reserve(body.topics.size());
  for (const auto& topic : body.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& want : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = want.partition_index;
      // Only the leader answers, as only it knows the high watermark for sure.
      auto partition = broker.replicas().get(topic.name, want.partition_index);
      const auto error = broker.leadership_error(topic.name, want.partition_index, partition.get());
      if (error == ErrorCode::kNone) {
        look_up(*partition, want.timestamp, out);
      } else {
        out.error_code = to_wire(error);
      }
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
