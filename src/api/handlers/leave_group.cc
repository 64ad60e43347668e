// LeaveGroup: members leave at once instead of waiting for their session to expire. v3+ (KIP-345)
// removes a batch of members, static ones by group.instance.id.
#include "protocol/messages/leave_group.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_leave_group(const RequestPtr& request, protocol::LeaveGroupRequest body) {
  std::vector<coordinator::MemberIdentity> members;
  if (request->version() < 3) {
    members.push_back({body.member_id, std::nullopt});
  } else {
    for (const auto& m : body.members)
      members.push_back({m.member_id, m.group_instance_id});
  }
  const auto result = request->broker().groups().leave(body.group_id, members);
  protocol::LeaveGroupResponse response;
  response.error_code = to_wire(result.error);
  if (request->version() < 3) {
    if (result.error == ErrorCode::kNone && !result.members.empty()) {
      response.error_code = to_wire(result.members.front());
    }
  } else {
    for (size_t i = 0; i < result.members.size(); ++i) {
      auto& out = response.members.emplace_back();
      out.member_id = members[i].member_id;
      out.group_instance_id = members[i].instance_id;
      out.error_code = to_wire(result.members[i]);
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
