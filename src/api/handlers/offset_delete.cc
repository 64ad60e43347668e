// OffsetDelete (KIP-496): deletes committed offsets of a group. Refused per partition with
// GROUP_SUBSCRIBED_TO_TOPIC while a member of a "consumer" group subscribes to the topic, and
// for the whole group with NON_EMPTY_GROUP when the group has members of another protocol type.
// The answer leaves once the tombstones are durable.
#include "protocol/messages/offset_delete.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

void fill_partition_errors(const protocol::OffsetDeleteRequest& body,
                           const std::vector<ErrorCode>& errors,
                           protocol::OffsetDeleteResponse& response) {
  size_t i = 0;
  for (const auto& topic : body.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      out.error_code = to_wire(i < errors.size() ? errors[i] : ErrorCode::kNone);
      ++i;
    }
  }
}

}  // namespace

void handle_offset_delete(const RequestPtr& request, protocol::OffsetDeleteRequest body) {
  std::vector<TopicPartition> partitions;
  for (const auto& topic : body.topics) {
    for (const auto& p : topic.partitions)
      partitions.emplace_back(topic.name, p.partition_index);
  }
  const std::string group_id = body.group_id;  // `body` moves into the callback
  request->broker().groups().delete_offsets(
      group_id, partitions,
      [request, body = std::move(body)](ErrorCode error, std::vector<ErrorCode> errors) {
        protocol::OffsetDeleteResponse response;
        response.error_code = to_wire(error);
        if (error == ErrorCode::kNone) fill_partition_errors(body, errors, response);
        request->respond(response);
      });
}

}  // namespace gregor::api
