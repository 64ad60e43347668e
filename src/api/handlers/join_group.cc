// JoinGroup: a consumer asks to be (or stay) a member of a group. The response may have to wait
// for the other members to rejoin; the coordinator keeps the request and answers it later from
// whichever thread completes the join phase. No network thread waits.
#include "protocol/messages/join_group.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_join_group(const RequestPtr& request, protocol::JoinGroupRequest body) {
  coordinator::JoinParams params;
  params.group_id = std::move(body.group_id);
  params.member_id = std::move(body.member_id);
  params.instance_id = std::move(body.group_instance_id);
  params.protocol_type = std::move(body.protocol_type);
  for (auto& p : body.protocols)
    params.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  params.session_timeout_ms = body.session_timeout_ms;
  params.rebalance_timeout_ms = request->version() >= 1 ? body.rebalance_timeout_ms : -1;
  params.client_id = request->header().client_id.value_or("");
  params.client_host = request->client_host();
  // KIP-394: from v4 a new member first gets its id with MEMBER_ID_REQUIRED.
  params.require_known_member_id = request->version() >= 4;
  const int16_t version = request->version();
  request->broker().groups().join(std::move(params),
                                  [request, version](coordinator::JoinResult result) {
                                    protocol::JoinGroupResponse response;
                                    response.error_code = to_wire(result.error);
                                    response.generation_id = result.generation;
                                    if (result.error == ErrorCode::kNone)
                                      response.protocol_type = result.protocol_type;
                                    response.protocol_name = result.protocol_name;
                                    // Before v7 the protocol name is not nullable.
                                    if (version < 7 && !response.protocol_name)
                                      response.protocol_name = "";
                                    response.leader = std::move(result.leader);
                                    response.member_id = std::move(result.member_id);
                                    for (auto& m : result.members) {
                                      auto& out = response.members.emplace_back();
                                      out.member_id = std::move(m.member_id);
                                      out.group_instance_id = std::move(m.instance_id);
                                      out.metadata = std::move(m.metadata);
                                    }
                                    request->respond(response);
                                  });
}

}  // namespace gregor::api
