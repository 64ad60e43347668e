// CreatePartitions: grows topics to a new partition count (never shrinks them).
#include "protocol/messages/create_partitions.h"
#include "broker/api_registry.h"
#include "broker/broker.h"

namespace gregor::broker {

void handle_create_partitions(const RequestPtr& request) {
  using protocol::CreatePartitionsRequest;
  using protocol::CreatePartitionsResponse;
  CreatePartitionsRequest body;
  if (!request->decode(body)) return request->close_connection();
  Broker& broker = request->broker();
  CreatePartitionsResponse response;
  for (const auto& topic : body.topics) {
    auto& out = response.results.emplace_back();
    out.name = topic.name;
    TopicResult result;
    if (topic.assignments && !topic.assignments->empty()) {
      // Explicit placement of new partitions matters once there are several brokers.
      for (const auto& a : *topic.assignments) {
        if (a.broker_ids.size() != 1 || a.broker_ids[0] != broker.config().broker_id) {
          result = {ErrorCode::kInvalidReplicaAssignment,
                    "Replica assignment must name only the live broker", nullptr};
        }
      }
    }
    if (result.error == ErrorCode::kNone) {
      result = broker.add_partitions(topic.name, topic.count, body.validate_only);
    }
    out.error_code = to_wire(result.error);
    if (!result.message.empty()) out.error_message = result.message;
  }
  request->respond(response);
}

}  // namespace gregor::broker
