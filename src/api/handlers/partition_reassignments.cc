// AlterPartitionReassignments and ListPartitionReassignments: handed to the controller
// (cluster/controller_reassignment.cc), answered from its thread when it is done; a broker that
// is not the controller answers NOT_CONTROLLER, so the admin client finds the controller anew.
#include <map>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/list_partition_reassignments.h"

namespace gregor::api {
namespace {

using protocol::AlterPartitionReassignmentsRequest;
using protocol::AlterPartitionReassignmentsResponse;
using protocol::ListPartitionReassignmentsRequest;
using protocol::ListPartitionReassignmentsResponse;

AlterPartitionReassignmentsResponse alter_response(const cluster::ReassignmentResult& result) {
  AlterPartitionReassignmentsResponse response;
  response.error_code = to_wire(result.error);
  std::map<std::string, std::vector<const cluster::ReassignmentOutcome*>> by_topic;
  for (const auto& outcome : result.partitions)
    by_topic[outcome.partition.topic].push_back(&outcome);
  for (const auto& [name, outcomes] : by_topic) {
    auto& topic = response.responses.emplace_back();
    topic.name = name;
    for (const auto* outcome : outcomes) {
      auto& out = topic.partitions.emplace_back();
      out.partition_index = outcome->partition.partition;
      out.error_code = to_wire(outcome->error);
      if (!outcome->message.empty()) out.error_message = outcome->message;
    }
  }
  return response;
}

ListPartitionReassignmentsResponse list_response(const cluster::ReassignmentList& list) {
  ListPartitionReassignmentsResponse response;
  response.error_code = to_wire(list.error);
  for (const auto& ongoing : list.partitions) {
    if (response.topics.empty() || response.topics.back().name != ongoing.partition.topic) {
      response.topics.emplace_back().name = ongoing.partition.topic;
    }
    auto& out = response.topics.back().partitions.emplace_back();
    out.partition_index = ongoing.partition.partition;
    out.replicas = ongoing.replicas;
    out.adding_replicas = ongoing.reassignment.adding;
    out.removing_replicas = ongoing.reassignment.removing;
  }
  return response;
}

}  // namespace

void handle_alter_partition_reassignments(const RequestPtr& request,
                                          protocol::AlterPartitionReassignmentsRequest body) {
  std::vector<cluster::ReassignmentRequest> moves;
  for (const auto& topic : body.topics) {
    for (const auto& p : topic.partitions)
      moves.push_back({{topic.name, p.partition_index}, p.replicas});
  }
  request->broker().controller().alter_reassignments(
      std::move(moves),
      [request](cluster::ReassignmentResult result) { request->respond(alter_response(result)); });
}

void handle_list_partition_reassignments(const RequestPtr& request,
                                         protocol::ListPartitionReassignmentsRequest body) {
  std::optional<std::vector<TopicPartition>> wanted;
  if (body.topics) {
    wanted.emplace();
    for (const auto& topic : *body.topics) {
      for (int32_t p : topic.partition_indexes)
        wanted->push_back({topic.name, p});
    }
  }
  request->broker().controller().list_reassignments(
      std::move(wanted),
      [request](cluster::ReassignmentList list) { request->respond(list_response(list)); });
}

}  // namespace gregor::api
