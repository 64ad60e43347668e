// FindCoordinator: which broker coordinates a consumer group (or, later, a transactional id).
// The coordinator of a group is the leader of its __consumer_offsets partition, as this broker's
// metadata cache knows it; the topic is created on the first request, as Kafka does. While the
// partition has no leader (or the topic cannot be created yet) the answer is
// COORDINATOR_NOT_AVAILABLE and the client asks again. librdkafka also reads this API's presence
// as "the broker is new enough for LZ4", so it matters before groups are served.
#include "protocol/messages/find_coordinator.h"
#include "api/apis.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "coordinator/offsets_records.h"

namespace gregor::api {

using broker::kOffsetsTopic;

namespace {

using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;

constexpr int8_t kGroupKey = 0;

struct Answer {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

Answer leader_of_offsets_partition(Broker& broker, const std::string& group) {
  if (broker.offsets_topic().ensure_topic() != ErrorCode::kNone) {
    return {ErrorCode::kCoordinatorNotAvailable, "The offsets topic cannot be created yet"};
  }
  const int32_t partition =
      coordinator::offsets_partition_for(group, broker.offsets_topic().partition_count());
  const auto leadership = broker.metadata().partition(kOffsetsTopic, partition);
  const int32_t leader = leadership ? leadership->state.leader : cluster::kNoLeader;
  for (const auto& candidate : broker.live_brokers()) {
    if (candidate.id != leader || candidate.endpoints.empty()) continue;
    const auto& endpoint = candidate.endpoints.front();
    return {ErrorCode::kNone, std::nullopt, leader, endpoint.host, endpoint.port};
  }
  return {ErrorCode::kCoordinatorNotAvailable, "The offsets partition of the group has no leader"};
}

Answer coordinate(Broker& broker, int8_t key_type, const std::string& key) {
  if (key_type != kGroupKey) {
    return {ErrorCode::kCoordinatorNotAvailable, "Transactions are not supported"};
  }
  if (key.empty()) return {ErrorCode::kInvalidGroupId, "The group id must not be empty"};
  return leader_of_offsets_partition(broker, key);
}

void answer(const RequestPtr& request, FindCoordinatorRequest body) {
  Broker& broker = request->broker();
  FindCoordinatorResponse response;
  if (request->version() < 4) {
    const Answer answer = coordinate(broker, body.key_type, body.key);
    response.error_code = to_wire(answer.error);
    response.error_message = answer.message;
    response.node_id = answer.node_id;
    response.host = answer.host;
    response.port = answer.port;
    return request->respond(response);
  }
  for (const auto& key : body.coordinator_keys) {
    const Answer answer = coordinate(broker, body.key_type, key);
    auto& out = response.coordinators.emplace_back();
    out.key = key;
    out.error_code = to_wire(answer.error);
    out.error_message = answer.message;
    out.node_id = answer.node_id;
    out.host = answer.host;
    out.port = answer.port;
  }
  request->respond(response);
}

}  // namespace

// The first request creates __consumer_offsets, which waits on the metadata store: that one is
// answered from the admin thread.
void handle_find_coordinator(const RequestPtr& request, protocol::FindCoordinatorRequest body) {
  if (request->broker().topics().find(kOffsetsTopic)) return answer(request, std::move(body));
  handle_on_admin_thread<FindCoordinatorRequest, &answer>(request, std::move(body));
}

}  // namespace gregor::api
