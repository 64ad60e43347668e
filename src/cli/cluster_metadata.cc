#include "cli/cluster_metadata.h"

#include <fmt/format.h>

#include "cli/broker_request.h"
#include "cli/cli_error.h"

namespace gregor::cli {
namespace {

constexpr int16_t kMetadataVersion = 4;  // cluster id, controller and racks; not flexible

}  // namespace

protocol::MetadataResponse cluster_metadata(const Client& client) {
  // librdkafka finds a broker that answers among the bootstrap servers; the raw request goes to it.
  auto md = client.metadata();
  if (md->broker_cnt == 0) throw CliError(client.unreachable_message());
  const auto& broker = md->brokers[0];
  protocol::MetadataRequest request;
  request.topics.emplace();  // an empty list: no topics, only the brokers
  request.allow_auto_topic_creation = false;
  auto response = send_request<protocol::MetadataResponse>(
      broker.host, broker.port, request, kMetadataVersion, client.options().timeout_ms());
  if (!response) throw CliError(client.unreachable_message());
  return std::move(*response);
}

const protocol::MetadataResponse::MetadataResponseBroker& controller_of(
    const protocol::MetadataResponse& md) {
  for (const auto& broker : md.brokers) {
    if (broker.node_id == md.controller_id) return broker;
  }
  throw CliError(fmt::format("no controller is known (controller id {}): is the cluster starting?",
                             md.controller_id));
}

}  // namespace gregor::cli
