// AlterConfigs and IncrementalAlterConfigs for topics: the first replaces a topic's whole set of
// overrides, the second edits it key by key (SET, DELETE, APPEND, SUBTRACT). Both validate like
// CreateTopics (INVALID_CONFIG naming the key) and apply to the running logs at once. Broker
// configs are static in Gregor (server.properties), so changing them is refused.
#include <algorithm>
#include <set>

#include "broker/api_registry.h"
#include "broker/broker.h"
#include "common/config_value.h"
#include "protocol/messages/alter_configs.h"
#include "protocol/messages/incremental_alter_configs.h"

namespace gregor::broker {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

TopicResult refuse_non_topic(int8_t resource_type) {
  if (resource_type == kBrokerResource) {
    return {ErrorCode::kInvalidRequest,
            "Broker configs are static in Gregor: set them in server.properties and restart",
            nullptr};
  }
  return {ErrorCode::kInvalidRequest, "Unsupported resource type " + std::to_string(resource_type),
          nullptr};
}

// Only list-valued keys take APPEND and SUBTRACT; of the topic keys that is cleanup.policy.
TopicResult edit_list(TopicConfigs& configs, const TopicInfo& topic, const std::string& name, Op op,
                      const std::string& value) {
  if (name != "cleanup.policy") {
    return {ErrorCode::kInvalidConfig,
            "Config value append/subtract is not allowed for config key: " + name, nullptr};
  }
  auto items = split_list(configs.contains(name) ? configs[name] : topic.log_config.cleanup_policy);
  for (const auto& item : split_list(value)) {
    auto it = std::find(items.begin(), items.end(), item);
    if (op == Op::kAppend && it == items.end()) items.push_back(item);
    if (op == Op::kSubtract && it != items.end()) items.erase(it);
  }
  std::string joined;
  for (const auto& item : items)
    joined += (joined.empty() ? "" : ",") + item;
  configs[name] = joined;
  return {};
}

template <typename Resource>
TopicResult incremental_one(Broker& broker, const Resource& resource, bool validate_only) {
  if (resource.resource_type != kTopicResource) return refuse_non_topic(resource.resource_type);
  auto topic = broker.topics().find(resource.resource_name);
  if (!topic) {
    return {ErrorCode::kUnknownTopicOrPartition,
            "Topic " + resource.resource_name + " does not exist", nullptr};
  }
  TopicConfigs configs = topic->configs;
  std::set<std::string> seen;
  for (const auto& change : resource.configs) {
    if (!seen.insert(change.name).second) {
      return {ErrorCode::kInvalidRequest, "Error due to duplicate config keys: " + change.name,
              nullptr};
    }
    const auto op = static_cast<Op>(change.config_operation);
    if (op == Op::kDelete) {
      configs.erase(change.name);
      continue;
    }
    if (!change.value) {
      return {ErrorCode::kInvalidConfig, "Null value not supported for topic config " + change.name,
              nullptr};
    }
    if (op == Op::kSet) {
      configs[change.name] = *change.value;
    } else if (op == Op::kAppend || op == Op::kSubtract) {
      auto result = edit_list(configs, *topic, change.name, op, *change.value);
      if (result.error != ErrorCode::kNone) return result;
    } else {
      return {ErrorCode::kInvalidRequest,
              "Unknown config operation " + std::to_string(change.config_operation), nullptr};
    }
  }
  return broker.set_topic_configs(resource.resource_name, configs, validate_only);
}

template <typename Resource>
TopicResult replace_one(Broker& broker, const Resource& resource, bool validate_only) {
  if (resource.resource_type != kTopicResource) return refuse_non_topic(resource.resource_type);
  TopicConfigs configs;
  for (const auto& config : resource.configs) {
    if (!config.value) {
      return {ErrorCode::kInvalidConfig, "Null value not supported for topic config " + config.name,
              nullptr};
    }
    configs[config.name] = *config.value;
  }
  return broker.set_topic_configs(resource.resource_name, configs, validate_only);
}

template <typename Request, typename Response, typename Change>
void handle(const RequestPtr& request, Change change) {
  Request body;
  if (!request->decode(body)) return request->close_connection();
  Response response;
  for (const auto& resource : body.resources) {
    auto& out = response.responses.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    auto result = change(request->broker(), resource, body.validate_only);
    out.error_code = to_wire(result.error);
    if (!result.message.empty()) out.error_message = result.message;
  }
  request->respond(response);
}

}  // namespace

void handle_alter_configs(const RequestPtr& request) {
  using protocol::AlterConfigsRequest;
  handle<AlterConfigsRequest, protocol::AlterConfigsResponse>(
      request, &replace_one<AlterConfigsRequest::AlterConfigsResource>);
}

void handle_incremental_alter_configs(const RequestPtr& request) {
  using protocol::IncrementalAlterConfigsRequest;
  handle<IncrementalAlterConfigsRequest, protocol::IncrementalAlterConfigsResponse>(
      request, &incremental_one<IncrementalAlterConfigsRequest::AlterConfigsResource>);
}

}  // namespace gregor::broker
