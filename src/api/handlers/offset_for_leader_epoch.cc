// OffsetForLeaderEpoch: where a leader epoch ends in the leader's log (the start offset of the
// next higher epoch, or the log end for the latest one), with the largest epoch at or below the
// one asked for. Followers used it to find where their log diverged; consumers (librdkafka) use
// it after a leader change to check that their position is still in the log.
#include "protocol/messages/offset_for_leader_epoch.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

void look_up(Broker& broker, const std::string& topic,
             const OffsetForLeaderEpochRequest::OffsetForLeaderPartition& want,
             OffsetForLeaderEpochResponse::OffsetForLeaderPartitionResult& out) {
  out.end_offset = -1;
  auto partition = broker.replicas().get(topic, want.partition);
  ErrorCode error = broker.leadership_error(topic, want.partition, partition.get());
  if (error == ErrorCode::kNone) error = partition->check_leader_epoch(want.current_leader_epoch);
  if (error != ErrorCode::kNone) {
    out.error_code = to_wire(error);
    return;
  }
  auto end = partition->log().end_offset_for_epoch(want.leader_epoch);
  out.leader_epoch = end.epoch;
  out.end_offset = end.end_offset;
}

}  // namespace

void handle_offset_for_leader_epoch(const RequestPtr& request,
                                    protocol::OffsetForLeaderEpochRequest body) {
  Broker& broker = request->broker();
  OffsetForLeaderEpochResponse response;
  response.topics.reserve(body.topics.size());
  for (const auto& topic : body.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.topic = topic.topic;
    for (const auto& want : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition = want.partition;
      look_up(broker, topic.topic, want, out);
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
