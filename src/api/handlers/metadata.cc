// Metadata: the brokers and, for the topics asked about (or all of them), their partitions with
// leader, replicas and ISR. Asking about a missing topic may create it (auto.create.topics.enable
// and the request's allow_auto_topic_creation); such a request is answered from the admin
// thread, since creating waits on the metadata store.
#include "protocol/messages/metadata.h"
#include "api/apis.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "broker/topic_name.h"

namespace gregor::api {

using broker::invalid_topic_name_reason;
using broker::is_internal_topic;
using broker::TopicInfo;

namespace {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

// Each partition's leader and ISR as the partition-state znodes have them; a partition without a
// state yet, or whose leader is gone, is LEADER_NOT_AVAILABLE with leader -1.
MetadataResponse::MetadataResponseTopic describe(const TopicInfo& topic, Broker& broker) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = topic.id;
  out.is_internal = is_internal_topic(topic.name);
  out.partitions.reserve(topic.replicas.size());
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.replica_nodes = topic.replicas[static_cast<size_t>(p)];
    auto leadership = broker.metadata().partition(topic.name, p);
    if (leadership && leadership->state.leader != cluster::kNoLeader) {
      partition.leader_id = leadership->state.leader;
      partition.leader_epoch = leadership->state.leader_epoch;
      partition.isr_nodes = leadership->state.isr;
    } else {
      partition.error_code = to_wire(ErrorCode::kLeaderNotAvailable);
      partition.leader_id = cluster::kNoLeader;
      partition.leader_epoch = leadership ? leadership->state.leader_epoch : -1;
      if (leadership) partition.isr_nodes = leadership->state.isr;
    }
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
  if (auto topic = broker.topics().find(name)) return describe(*topic, broker);
  if (invalid_topic_name_reason(name)) return topic_error(name, ErrorCode::kInvalidTopicException);
  if (!allow_auto_create) return topic_error(name, ErrorCode::kUnknownTopicOrPartition);
  auto created = broker.auto_create_topic(name);
  if (created.error != ErrorCode::kNone) return topic_error(name, created.error);
  return describe(*created.topic, broker);
}

// Whether answering `body` may create a topic.
bool may_create_topics(Broker& broker, const MetadataRequest& body) {
  if (!body.topics || !body.allow_auto_topic_creation || !broker.config().auto_create_topics_enable)
    return false;
  for (const auto& wanted : *body.topics) {
    if (wanted.name && !broker.topics().find(*wanted.name)) return true;
  }
  return false;
}

void answer(const RequestPtr& request, MetadataRequest body) {
  Broker& broker = request->broker();

  MetadataResponse response;
  for (const auto& registered : broker.live_brokers()) {
    const auto& endpoint = registered.endpoints.front();
    response.brokers.push_back({registered.id, endpoint.host, endpoint.port, registered.rack});
  }
  response.cluster_id = broker.cluster_id();
  response.controller_id = broker.metadata().controller_id();

  // v0 asks for every topic with an empty list; later versions with a null one.
  const bool all_topics = !body.topics || (request->version() == 0 && body.topics->empty());
  if (all_topics) {
    for (const auto& topic : broker.topics().all()) {
      response.topics.push_back(describe(*topic, broker));
    }
  } else {
    for (const auto& wanted : *body.topics) {
      if (!wanted.name) {
        auto topic = broker.topics().find(wanted.topic_id);
        response.topics.push_back(topic ? describe(*topic, broker)
                                        : topic_error("", ErrorCode::kUnknownTopicId));
        continue;
      }
      response.topics.push_back(lookup(broker, *wanted.name, body.allow_auto_topic_creation));
    }
  }
  request->respond(response);
}

}  // namespace

void handle_metadata(const RequestPtr& request, protocol::MetadataRequest body) {
  if (!may_create_topics(request->broker(), body)) return answer(request, std::move(body));
  handle_on_admin_thread<MetadataRequest, &answer>(request, std::move(body));
}

}  // namespace gregor::api
