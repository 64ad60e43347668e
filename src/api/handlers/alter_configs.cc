// AlterConfigs and IncrementalAlterConfigs, for topics and brokers. The first replaces a
// resource's whole set of overrides, the second edits it key by key (SET, DELETE, APPEND,
// SUBTRACT). Topic changes validate like CreateTopics and answer INVALID_CONFIG naming the key;
// broker changes are dynamic broker configs (dynamic_broker_config.h, dynamic_broker_keys.h),
// for this broker or, with an empty name, for every broker, refused with INVALID_REQUEST as
// Kafka 3.2+ refuses them. Each resource is answered on its own: one refused resource leaves
// the others of the request alone.
#include <algorithm>
#include <set>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "common/config_value.h"
#include "protocol/messages/alter_configs.h"
#include "protocol/messages/incremental_alter_configs.h"

namespace gregor::api {

using broker::ConfigChange;
using broker::TopicConfigs;
using broker::TopicResult;

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

ConfigChange from(const TopicResult& result) {
  return {result.error, result.message};
}

// A resource's current overrides and how to store new ones.
struct Target {
  ConfigChange error;
  TopicConfigs overrides;
  std::string cleanup_policy;  // the value APPEND/SUBTRACT start from without an override
  std::function<ConfigChange(const TopicConfigs&, bool validate_only)> store;
};

Target target_of(Broker& broker, int8_t type, const std::string& name) {
  Target target;
  if (type == kTopicResource) {
    auto topic = broker.topics().find(name);
    if (!topic) {
      target.error = {ErrorCode::kUnknownTopicOrPartition, "Topic " + name + " does not exist"};
      return target;
    }
    target.overrides = topic->configs;
    target.cleanup_policy = topic->log_config.cleanup_policy;
    target.store = [&broker, name](const TopicConfigs& configs, bool validate_only) {
      return from(broker.set_topic_configs(name, configs, validate_only));
    };
  } else if (type == kBrokerResource) {
    auto scope = broker.dynamic_config().scope_of(name, target.error);
    if (!scope) return target;
    target.overrides = broker.dynamic_config().overrides(*scope);
    target.cleanup_policy = broker.dynamic_config().log_defaults().cleanup_policy;
    target.store = [&broker, scope](const TopicConfigs& configs, bool validate_only) {
      return broker.set_broker_configs(*scope, configs, validate_only);
    };
  } else {
    target.error = {ErrorCode::kInvalidRequest,
                    "Unsupported resource type " + std::to_string(type)};
  }
  return target;
}

// Only list-valued keys take APPEND and SUBTRACT: cleanup.policy and its broker default.
ConfigChange edit_list(Target& target, const std::string& name, Op op, const std::string& value) {
  if (name != "cleanup.policy" && name != "log.cleanup.policy") {
    return {ErrorCode::kInvalidConfig, std::string("Config value ") +
                                           (op == Op::kAppend ? "append" : "subtract") +
                                           " is not allowed for config key: " + name};
  }
  auto& configs = target.overrides;
  auto items = split_list(configs.contains(name) ? configs[name] : target.cleanup_policy);
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

// Kafka checks a resource's keys before anything else: a key given twice, then null values
// (which only DELETE may have), naming every such key.
template <typename Resource, typename NullAllowed>
ConfigChange check_keys(const Resource& resource, NullAllowed null_allowed) {
  std::set<std::string> seen;
  std::string nulls;
  for (const auto& config : resource.configs) {
    if (!seen.insert(config.name).second)
      return {ErrorCode::kInvalidRequest, "Error due to duplicate config keys"};
    if (!config.value && !null_allowed(config)) nulls += (nulls.empty() ? "" : ", ") + config.name;
  }
  if (!nulls.empty())
    return {ErrorCode::kInvalidRequest, "Null value not supported for : " + nulls};
  return {};
}

template <typename Resource>
ConfigChange incremental_one(Broker& broker, const Resource& resource, bool validate_only) {
  auto checked = check_keys(resource, [](const auto& change) {
    return static_cast<Op>(change.config_operation) == Op::kDelete;
  });
  if (checked.error != ErrorCode::kNone) return checked;
  Target target = target_of(broker, resource.resource_type, resource.resource_name);
  if (!target.store) return target.error;
  for (const auto& change : resource.configs) {
    const auto op = static_cast<Op>(change.config_operation);
    if (op == Op::kDelete) {
      target.overrides.erase(change.name);
    } else if (op == Op::kSet) {
      target.overrides[change.name] = *change.value;
    } else if (op == Op::kAppend || op == Op::kSubtract) {
      auto result = edit_list(target, change.name, op, *change.value);
      if (result.error != ErrorCode::kNone) return result;
    } else {
      return {ErrorCode::kInvalidRequest,
              "Unknown config operation " + std::to_string(change.config_operation)};
    }
  }
  return target.store(target.overrides, validate_only);
}

template <typename Resource>
ConfigChange replace_one(Broker& broker, const Resource& resource, bool validate_only) {
  auto checked = check_keys(resource, [](const auto&) { return false; });
  if (checked.error != ErrorCode::kNone) return checked;
  Target target = target_of(broker, resource.resource_type, resource.resource_name);
  if (!target.store) return target.error;
  TopicConfigs configs;
  for (const auto& config : resource.configs)
    configs[config.name] = *config.value;
  return target.store(configs, validate_only);
}

// Kafka refuses every copy of a resource named twice in one request, and only those.
template <typename Resources>
std::set<std::pair<int8_t, std::string>> repeated_resources(const Resources& resources) {
  std::set<std::pair<int8_t, std::string>> seen, repeated;
  for (const auto& resource : resources) {
    auto id = std::make_pair(resource.resource_type, resource.resource_name);
    if (!seen.insert(id).second) repeated.insert(id);
  }
  return repeated;
}

template <typename Response, typename Request, typename Change>
void handle(const RequestPtr& request, const Request& body, Change change) {
  Response response;
  const auto repeated = repeated_resources(body.resources);
  for (const auto& resource : body.resources) {
    auto& out = response.responses.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    const bool twice = repeated.contains({resource.resource_type, resource.resource_name});
    auto result =
        twice ? ConfigChange{ErrorCode::kInvalidRequest, "Each resource must appear at most once."}
              : change(request->broker(), resource, body.validate_only);
    out.error_code = to_wire(result.error);
    if (!result.message.empty()) out.error_message = result.message;
  }
  request->respond(response);
}

}  // namespace

void handle_alter_configs(const RequestPtr& request, protocol::AlterConfigsRequest body) {
  using protocol::AlterConfigsRequest;
  handle<protocol::AlterConfigsResponse>(request, body,
                                         &replace_one<AlterConfigsRequest::AlterConfigsResource>);
}

void handle_incremental_alter_configs(const RequestPtr& request,
                                      protocol::IncrementalAlterConfigsRequest body) {
  using protocol::IncrementalAlterConfigsRequest;
  handle<protocol::IncrementalAlterConfigsResponse>(
      request, body, &incremental_one<IncrementalAlterConfigsRequest::AlterConfigsResource>);
}

}  // namespace gregor::api
