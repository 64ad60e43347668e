#include "cli/default_broker_configs.h"

#include "cli/broker_request.h"
#include "cli/cli_error.h"
#include "protocol/messages/alter_configs.h"
#include "protocol/messages/describe_configs.h"

namespace gregor::cli {
namespace {

constexpr int8_t kBrokerResource = 4;
constexpr int16_t kDescribeVersion = 1;  // the newest non-flexible versions
constexpr int16_t kAlterVersion = 1;

// Any broker answers for the defaults: the first one the metadata lists.
const rd_kafka_metadata_broker_t& any_broker(const Client& client, Metadata& md) {
  md = client.metadata();
  if (md->broker_cnt == 0) throw CliError(client.unreachable_message());
  return md->brokers[0];
}

void check_error(int16_t code, const std::optional<std::string>& message) {
  if (code == 0) return;
  const char* text = rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
  throw CliError("the broker defaults: " + (message && !message->empty() ? *message : text));
}

}  // namespace

std::vector<ConfigInfo> describe_default_broker_configs(const Client& client) {
  Metadata md;
  const auto& broker = any_broker(client, md);
  protocol::DescribeConfigsRequest request;
  request.resources.push_back({kBrokerResource, "", std::nullopt});
  const auto response = send_request<protocol::DescribeConfigsResponse>(
      broker.host, broker.port, request, kDescribeVersion, client.options().timeout_ms());
  if (!response || response->results.size() != 1) throw CliError(client.unreachable_message());
  const auto& result = response->results[0];
  check_error(result.error_code, result.error_message);
  std::vector<ConfigInfo> out;
  for (const auto& config : result.configs) {
    out.push_back({config.name, config.value.value_or(""),
                   static_cast<rd_kafka_ConfigSource_t>(config.config_source), config.read_only});
  }
  return out;
}

void alter_default_broker_configs(const Client& client,
                                  const std::vector<std::pair<std::string, std::string>>& configs) {
  Metadata md;
  const auto& broker = any_broker(client, md);
  protocol::AlterConfigsRequest request;
  auto& resource = request.resources.emplace_back();
  resource.resource_type = kBrokerResource;
  for (const auto& [key, value] : configs)
    resource.configs.push_back({key, value});
  const auto response = send_request<protocol::AlterConfigsResponse>(
      broker.host, broker.port, request, kAlterVersion, client.options().timeout_ms());
  if (!response || response->responses.size() != 1) throw CliError(client.unreachable_message());
  check_error(response->responses[0].error_code, response->responses[0].error_message);
}

}  // namespace gregor::cli
