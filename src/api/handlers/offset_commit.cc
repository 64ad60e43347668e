// OffsetCommit: store consumers' positions in __consumer_offsets. Answered once the records are
// durable. Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION and metadata
// over offset.metadata.max.bytes OFFSET_METADATA_TOO_LARGE, as in Kafka; the rest share the
// coordinator's verdict on the member (generation, member id).
#include <memory>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "protocol/messages/offset_commit.h"

namespace gregor::api {

using protocol::OffsetCommitRequest;
using protocol::OffsetCommitResponse;

void handle_offset_commit(const RequestPtr& request, protocol::OffsetCommitRequest body) {
  Broker& broker = request->broker();
  const auto max_metadata = static_cast<size_t>(broker.config().groups.offset_metadata_max_bytes);
  auto response = std::make_shared<OffsetCommitResponse>();
  // Partitions that go to the coordinator: their error code is filled in when it answers.
  auto pending = std::make_shared<std::vector<std::pair<size_t, size_t>>>();
  std::vector<coordinator::OffsetCommit> commits;
  for (const auto& topic : body.topics) {
    auto& topic_out = response->topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      // The topic as the cluster knows it: the coordinator need not host a replica of it.
      const auto known = broker.topics().find(topic.name);
      if (!known || p.partition_index < 0 || p.partition_index >= known->partition_count()) {
        out.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
      } else if (p.committed_metadata && p.committed_metadata->size() > max_metadata) {
        out.error_code = to_wire(ErrorCode::kOffsetMetadataTooLarge);
      } else {
        pending->emplace_back(response->topics.size() - 1, topic_out.partitions.size() - 1);
        commits.push_back({topic.name,
                           p.partition_index,
                           {p.committed_offset, p.committed_leader_epoch,
                            p.committed_metadata.value_or(""), -1}});
      }
    }
  }
  if (commits.empty()) return request->respond(*response);
  broker.groups().commit_offsets(body.group_id, body.generation_id, body.member_id,
                                 body.group_instance_id, std::move(commits),
                                 [request, response, pending](ErrorCode error) {
                                   for (const auto& [t, p] : *pending)
                                     response->topics[t].partitions[p].error_code = to_wire(error);
                                   request->respond(*response);
                                 });
}

}  // namespace gregor::api
