// Metadata: the brokers and, for the topics asked about (or all of them), their partitions with
// leader, replicas and ISR. Asking about a missing topic may create it (auto.create.topics.enable
// and the request's allow_auto_topic_creation).
#include "protocol/messages/metadata.h"
#include "broker/api_registry.h"
#include "broker/broker.h"
#include "broker/topic_name.h"

namespace gregor::broker {
namespace {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

MetadataResponse::MetadataResponseTopic describe(const TopicInfo& topic, int32_t broker_id) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = topic.id;
  out.is_internal = is_internal_topic(topic.name);
  out.partitions.reserve(topic.replicas.size());
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.leader_id = broker_id;
    partition.leader_epoch = 0;
    partition.replica_nodes = topic.replicas[static_cast<size_t>(p)];
    partition.isr_nodes = partition.replica_nodes;
    out.partitions.push_back(std::move(partition));
  }
  return out;
}

MetadataResponse::MetadataResponseTopic topic_error(std::string name, ErrorCode error) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = std::move(name);
  out.error_code = to_wire(error);
  return out;
}

MetadataResponse::MetadataResponseTopic lookup(Broker& broker, const std::string& name,
                                               bool allow_auto_create) {
  if (auto topic = broker.topics().find(name)) return describe(*topic, broker.config().broker_id);
  if (invalid_topic_name_reason(name)) return topic_error(name, ErrorCode::kInvalidTopicException);
  if (!allow_auto_create) return topic_error(name, ErrorCode::kUnknownTopicOrPartition);
  auto created = broker.auto_create_topic(name);
  if (created.error != ErrorCode::kNone) return topic_error(name, created.error);
  return describe(*created.topic, broker.config().broker_id);
}

}  // namespace

void handle_metadata(const RequestPtr& request) {
  MetadataRequest body;
  if (!request->decode(body)) return request->close_connection();
  Broker& broker = request->broker();
  const auto& config = broker.config();

  MetadataResponse response;
  const auto endpoint = config.advertised();
  response.brokers.push_back({config.broker_id, endpoint.host, endpoint.port, std::nullopt});
  response.cluster_id = broker.cluster_id();
  response.controller_id = config.broker_id;

  // v0 asks for every topic with an empty list; later versions with a null one.
  const bool all_topics = !body.topics || (request->version() == 0 && body.topics->empty());
  if (all_topics) {
    for (const auto& topic : broker.topics().all()) {
      response.topics.push_back(describe(*topic, config.broker_id));
    }
  } else {
    for (const auto& wanted : *body.topics) {
      if (!wanted.name) {
        auto topic = broker.topics().find(wanted.topic_id);
        response.topics.push_back(topic ? describe(*topic, config.broker_id)
                                        : topic_error("", ErrorCode::kUnknownTopicId));
        continue;
      }
      response.topics.push_back(lookup(broker, *wanted.name, body.allow_auto_topic_creation));
    }
  }
  request->respond(response);
}

}  // namespace gregor::broker
