// DescribeConfigs: the configuration of topics (every topic-level key, with its source) and of
// this broker. Resources are answered independently; one unknown topic does not fail the others.
#include "protocol/messages/describe_configs.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "broker/config_entries.h"

namespace gregor::api {

using broker::ConfigChange;
using broker::ConfigEntry;
using broker::ConfigSource;
using broker::DynamicScope;

namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kConfigTypeString = 2;

bool wanted(const DescribeConfigsRequest::DescribeConfigsResource& resource,
            const std::string& name) {
  if (!resource.configuration_keys) return true;  // null: every key
  for (const auto& key : *resource.configuration_keys) {
    if (key == name) return true;
  }
  return false;
}

void add_entries(const std::vector<ConfigEntry>& entries,
                 const DescribeConfigsRequest::DescribeConfigsResource& resource,
                 bool include_synonyms, DescribeConfigsResponse::DescribeConfigsResult& out) {
  for (const auto& entry : entries) {
    if (!wanted(resource, entry.name)) continue;
    auto& config = out.configs.emplace_back();
    config.name = entry.name;
    config.value = entry.value;
    config.read_only = entry.read_only;
    config.is_default = entry.source == ConfigSource::kDefault;
    config.config_source = static_cast<int8_t>(entry.source);
    config.config_type = kConfigTypeString;
    if (!include_synonyms) continue;
    for (const auto& synonym : entry.synonyms) {
      config.synonyms.push_back({synonym.name, synonym.value, static_cast<int8_t>(synonym.source)});
    }
  }
}

void describe_one(Broker& broker, const DescribeConfigsRequest::DescribeConfigsResource& resource,
                  bool include_synonyms, DescribeConfigsResponse::DescribeConfigsResult& out) {
  out.resource_type = resource.resource_type;
  out.resource_name = resource.resource_name;
  if (resource.resource_type == kTopicResource) {
    auto topic = broker.topics().find(resource.resource_name);
    if (!topic) {
      out.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
      out.error_message = "Topic " + resource.resource_name + " does not exist";
      return;
    }
    add_entries(
        topic_config_entries(*topic, broker.config(), broker.dynamic_config().all_overrides()),
        resource, include_synonyms, out);
  } else if (resource.resource_type == kBrokerResource) {
    // An empty name is the cluster-wide default resource: only its dynamic overrides.
    ConfigChange error;
    const auto scope = broker.dynamic_config().scope_of(resource.resource_name, error);
    if (!scope) {
      out.error_code = to_wire(error.error);
      out.error_message = error.message;
      return;
    }
    const auto dynamic = broker.dynamic_config().all_overrides();
    add_entries(*scope == DynamicScope::kClusterDefault
                    ? cluster_default_entries(dynamic)
                    : broker_config_entries(broker.config(), dynamic),
                resource, include_synonyms, out);
  } else {
    out.error_code = to_wire(ErrorCode::kInvalidRequest);
    out.error_message = "Unsupported resource type " + std::to_string(resource.resource_type);
  }
}

}  // namespace

void handle_describe_configs(const RequestPtr& request, protocol::DescribeConfigsRequest body) {
  DescribeConfigsResponse response;
  for (const auto& resource : body.resources) {
    describe_one(request->broker(), resource, body.include_synonyms,
                 response.results.emplace_back());
  }
  request->respond(response);
}

}  // namespace gregor::api
