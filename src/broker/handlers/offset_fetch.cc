// OffsetFetch: a group's committed offsets; all of them when the topics are null (v2+). v8
// (KIP-709) asks for several groups at once. Partitions without a commit answer offset -1.
#include "protocol/messages/offset_fetch.h"
#include "broker/api_registry.h"
#include "broker/broker.h"

namespace gregor::broker {
namespace {

using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;

// Fetches one group's offsets and hands them to `emit(topic, partition, committed)` grouped by
// topic in request order (or in name order for "all").
template <typename TopicList, typename Emit>
void fetch_group(coordinator::GroupCoordinator& groups, const std::string& group_id,
                 const std::optional<TopicList>& topics, Emit&& emit) {
  std::optional<std::vector<coordinator::TopicPartition>> wanted;
  if (topics) {
    wanted.emplace();
    for (const auto& topic : *topics) {
      for (int32_t p : topic.partition_indexes)
        wanted->emplace_back(topic.name, p);
    }
  }
  for (const auto& entry : groups.fetch_offsets(group_id, wanted))
    emit(entry);
}

template <typename TopicOut>
auto& partition_slot(std::vector<TopicOut>& topics, const std::string& name) {
  if (topics.empty() || topics.back().name != name) topics.emplace_back().name = name;
  return topics.back().partitions.emplace_back();
}

}  // namespace

void handle_offset_fetch(const RequestPtr& request) {
  OffsetFetchRequest body;
  if (!request->decode(body)) return request->close_connection();
  auto& groups = request->broker().groups();
  OffsetFetchResponse response;
  if (request->version() < 8) {
    // v0-1 have no null topics: an empty list then means none, as the array says.
    fetch_group(groups, body.group_id, body.topics, [&](const coordinator::OffsetCommit& entry) {
      auto& out = partition_slot(response.topics, entry.topic);
      out.partition_index = entry.partition;
      out.committed_offset = entry.value.offset;
      out.committed_leader_epoch = entry.value.leader_epoch;
      out.metadata = entry.value.metadata;
    });
    return request->respond(response);
  }
  for (const auto& group : body.groups) {
    auto& group_out = response.groups.emplace_back();
    group_out.group_id = group.group_id;
    fetch_group(groups, group.group_id, group.topics, [&](const coordinator::OffsetCommit& entry) {
      auto& out = partition_slot(group_out.topics, entry.topic);
      out.partition_index = entry.partition;
      out.committed_offset = entry.value.offset;
      out.committed_leader_epoch = entry.value.leader_epoch;
      out.metadata = entry.value.metadata;
    });
  }
  request->respond(response);
}

}  // namespace gregor::broker
