// DeleteGroups: removes Empty groups and their committed offsets (tombstones in
// __consumer_offsets). NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND when unknown.
#include "protocol/messages/delete_groups.h"
#include "broker/api_registry.h"
#include "broker/broker.h"

namespace gregor::broker {

void handle_delete_groups(const RequestPtr& request) {
  protocol::DeleteGroupsRequest body;
  if (!request->decode(body)) return request->close_connection();
  protocol::DeleteGroupsResponse response;
  for (const auto& group_id : body.groups_names) {
    auto& out = response.results.emplace_back();
    out.group_id = group_id;
    out.error_code = to_wire(request->broker().groups().delete_group(group_id));
  }
  request->respond(response);
}

}  // namespace gregor::broker
