// FindCoordinator: which broker coordinates a consumer group (or, later, a transactional id).
// A single broker coordinates every group itself. librdkafka also reads this API's presence as
// "the broker is new enough for LZ4", so it matters before groups are served.
#include "protocol/messages/find_coordinator.h"
#include "broker/api_registry.h"
#include "broker/broker.h"

namespace gregor::broker {
namespace {

using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;

constexpr int8_t kGroupKey = 0;

struct Answer {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;
};

Answer coordinate(int8_t key_type, const std::string& key) {
  if (key_type != kGroupKey) {
    return {ErrorCode::kCoordinatorNotAvailable, "Transactions are not supported"};
  }
  if (key.empty()) return {ErrorCode::kInvalidGroupId, "The group id must not be empty"};
  return {};
}

}  // namespace

void handle_find_coordinator(const RequestPtr& request) {
  FindCoordinatorRequest body;
  if (!request->decode(body)) return request->close_connection();
  const auto& config = request->broker().config();
  const auto self = config.advertised();
  FindCoordinatorResponse response;
  if (request->version() < 4) {
    const Answer answer = coordinate(body.key_type, body.key);
    response.error_code = to_wire(answer.error);
    response.error_message = answer.message;
    if (answer.error == ErrorCode::kNone) {
      response.node_id = config.broker_id;
      response.host = self.host;
      response.port = self.port;
    } else {
      response.node_id = -1;
      response.port = -1;
    }
    return request->respond(response);
  }
  for (const auto& key : body.coordinator_keys) {
    const Answer answer = coordinate(body.key_type, key);
    auto& out = response.coordinators.emplace_back();
    out.key = key;
    out.error_code = to_wire(answer.error);
    out.error_message = answer.message;
    const bool ok = answer.error == ErrorCode::kNone;
    out.node_id = ok ? config.broker_id : -1;
    out.host = ok ? self.host : "";
    out.port = ok ? self.port : -1;
  }
  request->respond(response);
}

}  // namespace gregor::broker
