// SyncGroup: members collect their assignment; the leader brings everyone's. Followers wait
// until the leader's assignment is stored in __consumer_offsets.
#include "protocol/messages/sync_group.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_sync_group(const RequestPtr& request, protocol::SyncGroupRequest body) {
  coordinator::SyncParams params;
  params.group_id = std::move(body.group_id);
  params.generation = body.generation_id;
  params.member_id = std::move(body.member_id);
  params.instance_id = std::move(body.group_instance_id);
  params.protocol_type = std::move(body.protocol_type);
  params.protocol_name = std::move(body.protocol_name);
  for (auto& a : body.assignments)
    params.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  request->broker().groups().sync(std::move(params), [request](coordinator::SyncResult result) {
    protocol::SyncGroupResponse response;
    response.error_code = to_wire(result.error);
    response.protocol_type = std::move(result.protocol_type);
    response.protocol_name = std::move(result.protocol_name);
    response.assignment = std::move(result.assignment);
    request->respond(response);
  });
}

}  // namespace gregor::api
