// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
#include "protocol/messages/heartbeat.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_heartbeat(const RequestPtr& request, protocol::HeartbeatRequest body) {
  protocol::HeartbeatResponse response;
  response.error_code = to_wire(request->broker().groups().heartbeat(
      body.group_id, body.generation_id, body.member_id, body.group_instance_id));
  request->respond(response);
}

}  // namespace gregor::api
