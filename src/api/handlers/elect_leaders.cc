// ElectLeaders: preferred-leader elections run by the controller. The controller answers on its
// own event thread and the response is sent from there, so no network thread waits for them.
// Unclean elections on request are not supported: each partition gets INVALID_REQUEST.
#include "protocol/messages/elect_leaders.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

using protocol::ElectLeadersRequest;
using protocol::ElectLeadersResponse;
using PartitionList = std::vector<TopicPartition>;
constexpr int8_t kPreferredElection = 0;

std::optional<PartitionList> requested(const ElectLeadersRequest& body) {
  if (!body.topic_partitions) return std::nullopt;
  PartitionList out;
  for (const auto& topic : *body.topic_partitions) {
    for (int32_t p : topic.partitions)
      out.push_back({topic.topic, p});
  }
  return out;
}

const char* explain(ErrorCode error) {
  switch (error) {
    case ErrorCode::kNone:
      return nullptr;
    case ErrorCode::kElectionNotNeeded:
      return "The preferred replica is already the leader";
    case ErrorCode::kPreferredLeaderNotAvailable:
      return "The preferred replica is not alive or not in the ISR";
    case ErrorCode::kUnknownTopicOrPartition:
      return "This topic-partition does not exist";
    case ErrorCode::kInvalidRequest:
      return "Only preferred leader elections (election type 0) are supported";
    default:
      return nullptr;
  }
}

// Results grouped by topic, in the order the partitions come.
ElectLeadersResponse build_response(const std::vector<cluster::ElectionOutcome>& outcomes) {
  ElectLeadersResponse response;
  auto& topics = response.replica_election_results;
  for (const auto& outcome : outcomes) {
    if (topics.empty() || topics.back().topic != outcome.partition.topic) {
      topics.emplace_back().topic = outcome.partition.topic;
    }
    const char* message = explain(outcome.error);
    topics.back().partition_result.push_back(
        {outcome.partition.partition, to_wire(outcome.error),
         message ? std::optional<std::string>(message) : std::nullopt});
  }
  return response;
}

// Every requested partition with the same error (nothing when all were asked for).
std::vector<cluster::ElectionOutcome> all_failed(const std::optional<PartitionList>& partitions,
                                                 ErrorCode error) {
  std::vector<cluster::ElectionOutcome> outcomes;
  if (partitions) {
    for (const auto& tp : *partitions)
      outcomes.push_back({tp, error});
  }
  return outcomes;
}

}  // namespace

void handle_elect_leaders(const RequestPtr& request, protocol::ElectLeadersRequest body) {
  auto partitions = requested(body);
  auto& controller = request->broker().controller();
  if (!controller.is_active()) {
    auto response = build_response(all_failed(partitions, ErrorCode::kNotController));
    response.error_code = to_wire(ErrorCode::kNotController);
    return request->respond(response);
  }
  if (body.election_type != kPreferredElection) {
    return request->respond(build_response(all_failed(partitions, ErrorCode::kInvalidRequest)));
  }
  controller.elect_preferred_leaders(
      std::move(partitions), [request, asked = requested(body)](cluster::ElectionResult result) {
        if (result.error != ErrorCode::kNone) {
          auto response = build_response(all_failed(asked, result.error));
          response.error_code = to_wire(result.error);
          return request->respond(response);
        }
        request->respond(build_response(result.partitions));
      });
}

}  // namespace gregor::api
