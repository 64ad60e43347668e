// CreatePartitions: grows topics to a new partition count (never shrinks them).
#include "protocol/messages/create_partitions.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

using broker::TopicResult;

void handle_create_partitions(const RequestPtr& request, protocol::CreatePartitionsRequest body) {
  using protocol::CreatePartitionsRequest;
  using protocol::CreatePartitionsResponse;
  Broker& broker = request->broker();
  CreatePartitionsResponse response;
  for (const auto& topic : body.topics) {
    auto& out = response.results.emplace_back();
    out.name = topic.name;
    std::vector<std::vector<int32_t>> assignment;
    if (topic.assignments) {
      for (const auto& a : *topic.assignments)
        assignment.push_back(a.broker_ids);
    }
    const TopicResult result =
        broker.add_partitions(topic.name, topic.count, assignment, body.validate_only);
    out.error_code = to_wire(result.error);
    if (!result.message.empty()) out.error_message = result.message;
  }
  request->respond(response);
}

}  // namespace gregor::api
