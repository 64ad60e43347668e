// CreateTopics: validates each topic (name, partitions, replication, assignment, configs) and
// creates it, or only validates with validate_only. Errors are per topic; one bad topic does not
// stop the others.
#include <set>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "broker/config_entries.h"
#include "protocol/messages/create_topics.h"

namespace gregor::api {

using broker::TopicConfigs;
using broker::TopicInfo;
using broker::TopicResult;

namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;

// v5+ answers with the topic's whole configuration, as DescribeConfigs would describe it.
std::vector<CreateTopicsResponse::CreatableTopicConfigs> describe_configs(const TopicInfo& topic,
                                                                          Broker& broker) {
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> configs;
  for (const auto& entry :
       topic_config_entries(topic, broker.config(), broker.dynamic_config().all_overrides())) {
    auto& out = configs.emplace_back();
    out.name = entry.name;
    out.value = entry.value;
    out.read_only = entry.read_only;
    out.config_source = static_cast<int8_t>(entry.source);
  }
  return configs;
}

TopicResult create_one(Broker& broker, const CreateTopicsRequest::CreatableTopic& topic,
                       bool validate_only) {
  const auto& config = broker.config();
  std::vector<std::vector<int32_t>> assignment;
  if (!topic.assignments.empty()) {
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
      return {ErrorCode::kInvalidRequest,
              "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
              "cannot be used at the same time.",
              nullptr};
    }
    assignment.resize(topic.assignments.size());
    for (const auto& a : topic.assignments) {
      if (a.partition_index < 0 || static_cast<size_t>(a.partition_index) >= assignment.size()) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "Partitions must be numbered from 0 without gaps.", nullptr};
      }
      assignment[static_cast<size_t>(a.partition_index)] = a.broker_ids;
    }
  }
  TopicConfigs configs;
  for (const auto& c : topic.configs) {
    if (!c.value) {
      return {ErrorCode::kInvalidConfig, "Null value not supported for topic configs: " + c.name,
              nullptr};
    }
    configs[c.name] = *c.value;
  }
  const int32_t partitions =
      topic.num_partitions == -1 ? config.num_partitions : topic.num_partitions;
  const int16_t replication =
      topic.replication_factor == -1 ? config.default_replication_factor : topic.replication_factor;
  return broker.create_topic(topic.name, partitions, replication, assignment, configs,
                             validate_only);
}

}  // namespace

void handle_create_topics(const RequestPtr& request, protocol::CreateTopicsRequest body) {
  Broker& broker = request->broker();

  std::multiset<std::string> names;
  for (const auto& topic : body.topics)
    names.insert(topic.name);

  CreateTopicsResponse response;
  for (const auto& topic : body.topics) {
    auto& out = response.topics.emplace_back();
    out.name = topic.name;
    TopicResult result;
    if (names.count(topic.name) > 1) {
      result = {ErrorCode::kInvalidRequest,
                "Create topics request from client contains a duplicate topic: " + topic.name,
                nullptr};
    } else {
      result = create_one(broker, topic, body.validate_only);
    }
    out.error_code = to_wire(result.error);
    if (!result.message.empty()) out.error_message = result.message;
    if (result.error != ErrorCode::kNone || !result.topic) continue;
    out.topic_id = result.topic->id;
    out.num_partitions = result.topic->partition_count();
    out.replication_factor = static_cast<int16_t>(result.topic->replicas.front().size());
    out.configs = describe_configs(*result.topic, broker);
  }
  request->respond(response);
}

}  // namespace gregor::api
