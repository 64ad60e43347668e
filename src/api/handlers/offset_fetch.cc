// OffsetFetch: a group's committed offsets; all of them when the topics are null (v2+). v8
// (KIP-709) asks for several groups at once. Partitions without a commit answer offset -1.
#include "protocol/messages/offset_fetch.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;

// Fetches one group's offsets and hands them to `emit(topic, partition, committed)` grouped by
// topic in request order (or in name order for "all"). Returns the group's error: then the
// requested partitions come back with offset -1 and that error (versions 0 and 1 have no other
// place for it).
template <typename TopicList, typename Emit>
ErrorCode fetch_group(coordinator::GroupCoordinator& groups, const std::string& group_id,
                      const std::optional<TopicList>& topics, Emit&& emit) {
  std::optional<std::vector<TopicPartition>> wanted;
  if (topics) {
    wanted.emplace();
    for (const auto& topic : *topics) {
      for (int32_t p : topic.partition_indexes)
        wanted->emplace_back(topic.name, p);
    }
  }
  auto fetched = groups.fetch_offsets(group_id, wanted);
  if (fetched.error != ErrorCode::kNone && wanted) {
    for (const auto& [topic, partition] : *wanted)
      emit(coordinator::OffsetCommit{topic, partition, {}}, fetched.error);
  }
  for (const auto& entry : fetched.offsets)
    emit(entry, ErrorCode::kNone);
  return fetched.error;
}

template <typename TopicOut>
auto& partition_slot(std::vector<TopicOut>& topics, const std::string& name) {
  if (topics.empty() || topics.back().name != name) topics.emplace_back().name = name;
  return topics.back().partitions.emplace_back();
}

template <typename PartitionOut>
void fill(PartitionOut& out, const coordinator::OffsetCommit& entry, ErrorCode error) {
  out.partition_index = entry.partition;
  out.committed_offset = entry.value.offset;
  out.committed_leader_epoch = entry.value.leader_epoch;
  out.metadata = entry.value.metadata;
  out.error_code = to_wire(error);
}

}  // namespace

void handle_offset_fetch(const RequestPtr& request, protocol::OffsetFetchRequest body) {
  auto& groups = request->broker().groups();
  OffsetFetchResponse response;
  if (request->version() < 8) {
    // v0-1 have no null topics: an empty list then means none, as the array says.
    const ErrorCode error =
        fetch_group(groups, body.group_id, body.topics,
                    [&](const coordinator::OffsetCommit& entry, ErrorCode partition_error) {
                      fill(partition_slot(response.topics, entry.topic), entry, partition_error);
                    });
    response.error_code = to_wire(error);
    return request->respond(response);
  }
  for (const auto& group : body.groups) {
    auto& group_out = response.groups.emplace_back();
    group_out.group_id = group.group_id;
    const ErrorCode error =
        fetch_group(groups, group.group_id, group.topics,
                    [&](const coordinator::OffsetCommit& entry, ErrorCode partition_error) {
                      fill(partition_slot(group_out.topics, entry.topic), entry, partition_error);
                    });
    group_out.error_code = to_wire(error);
  }
  request->respond(response);
}

}  // namespace gregor::api
