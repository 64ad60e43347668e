// DescribeCluster: the cluster id, the controller and the live brokers.
#include "protocol/messages/describe_cluster.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_describe_cluster(const RequestPtr& request, protocol::DescribeClusterRequest body) {
  using protocol::DescribeClusterRequest;
  using protocol::DescribeClusterResponse;
  constexpr int8_t kBrokersEndpoint = 1;
  Broker& broker = request->broker();
  DescribeClusterResponse response;
  response.endpoint_type = body.endpoint_type;
  if (body.endpoint_type != kBrokersEndpoint) {
    // There are no separate controller endpoints to describe (no KRaft controllers).
    response.error_code = to_wire(ErrorCode::kInvalidRequest);
    response.error_message = "Only broker endpoints (endpoint type 1) can be described";
    return request->respond(response);
  }
  response.cluster_id = broker.cluster_id();
  response.controller_id = broker.metadata().controller_id();
  for (const auto& registered : broker.live_brokers()) {
    const auto& endpoint = registered.endpoints.front();
    response.brokers.push_back({registered.id, endpoint.host, endpoint.port, registered.rack});
  }
  request->respond(response);
}

}  // namespace gregor::api
