// DescribeGroups: state, protocol and members of each group, with the members' metadata and
// assignments as they sent them (once the group is Stable, as Kafka does). An unknown group is
// reported Dead without an error, as Kafka does.
#include "protocol/messages/describe_groups.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_describe_groups(const RequestPtr& request, protocol::DescribeGroupsRequest body) {
  protocol::DescribeGroupsResponse response;
  for (const auto& group_id : body.groups) {
    auto description = request->broker().groups().describe(group_id);
    auto& out = response.groups.emplace_back();
    out.error_code = to_wire(description.error);
    out.group_id = group_id;
    out.group_state = std::string(coordinator::state_name(description.state));
    out.protocol_type = description.protocol_type;
    out.protocol_data = description.protocol_name;
    for (auto& m : description.members) {
      auto& member = out.members.emplace_back();
      member.member_id = std::move(m.member_id);
      member.group_instance_id = std::move(m.instance_id);
      member.client_id = std::move(m.client_id);
      member.client_host = std::move(m.client_host);
      member.member_metadata = std::move(m.metadata);
      member.member_assignment = std::move(m.assignment);
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
