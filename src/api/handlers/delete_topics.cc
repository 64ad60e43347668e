// DeleteTopics: removes topics by name (or, from v6, by id) with their logs.
#include "protocol/messages/delete_topics.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

void delete_one(Broker& broker, const std::string& name,
                DeleteTopicsResponse::DeletableTopicResult& out) {
  if (!broker.config().delete_topic_enable) {
    out.error_code = to_wire(ErrorCode::kTopicDeletionDisabled);
    return;
  }
  auto result = broker.delete_topic(name);
  out.error_code = to_wire(result.error);
  if (result.topic) out.topic_id = result.topic->id;
  if (!result.message.empty()) out.error_message = result.message;
}

}  // namespace

void handle_delete_topics(const RequestPtr& request, protocol::DeleteTopicsRequest body) {
  Broker& broker = request->broker();
  DeleteTopicsResponse response;
  // Before v6 the topics come as a list of names; from v6 as (name or id) pairs.
  for (const auto& name : body.topic_names) {
    auto& out = response.responses.emplace_back();
    out.name = name;
    delete_one(broker, name, out);
  }
  for (const auto& state : body.topics) {
    auto& out = response.responses.emplace_back();
    std::string name = state.name.value_or("");
    if (!state.name) {
      auto topic = broker.topics().find(state.topic_id);
      if (!topic) {
        out.topic_id = state.topic_id;
        out.error_code = to_wire(ErrorCode::kUnknownTopicId);
        continue;
      }
      name = topic->name;
    }
    out.name = name;
    delete_one(broker, name, out);
  }
  request->respond(response);
}

}  // namespace gregor::api
