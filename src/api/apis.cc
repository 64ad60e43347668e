#include "api/apis.h"

#include <spdlog/spdlog.h>

#include <array>

#include "api/handlers/handlers.h"
#include "broker/broker.h"

#include "protocol/messages/alter_configs.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/controlled_shutdown.h"
#include "protocol/messages/create_partitions.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/delete_groups.h"
#include "protocol/messages/delete_records.h"
#include "protocol/messages/delete_topics.h"
#include "protocol/messages/describe_cluster.h"
#include "protocol/messages/describe_configs.h"
#include "protocol/messages/describe_groups.h"
#include "protocol/messages/describe_log_dirs.h"
#include "protocol/messages/elect_leaders.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/find_coordinator.h"
#include "protocol/messages/heartbeat.h"
#include "protocol/messages/incremental_alter_configs.h"
#include "protocol/messages/join_group.h"
#include "protocol/messages/leave_group.h"
#include "protocol/messages/list_groups.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/messages/list_partition_reassignments.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/offset_delete.h"
#include "protocol/messages/offset_fetch.h"
#include "protocol/messages/offset_for_leader_epoch.h"
#include "protocol/messages/produce.h"
#include "protocol/messages/sync_group.h"

namespace gregor::api {
namespace {

using namespace protocol;

// By ascending key.
constexpr std::array kApis = {
    api<ProduceRequest, &handle_produce, 3, &produce_error_response>(),
    // Fetch v0-v3 return message formats 0 and 1, which Gregor does not store.
    api<FetchRequest, &handle_fetch, 4, &fetch_error_response>(),
    api<ListOffsetsRequest, &handle_list_offsets>(),
    api<MetadataRequest, &handle_metadata>(),
    // ControlledShutdown v0 has a request header without a client id; only v1+ is served.
    api<ControlledShutdownRequest, &handle_controlled_shutdown, 1>(),
    // Consumer groups (coordinator/). librdkafka turns groups on only when JoinGroup v0 and the
    // other group APIs' old versions are in range: all are served from version 0.
    api<OffsetCommitRequest, &handle_offset_commit>(),
    api<OffsetFetchRequest, &handle_offset_fetch>(),
    api<FindCoordinatorRequest, &handle_find_coordinator>(),
    api<JoinGroupRequest, &handle_join_group>(),
    api<HeartbeatRequest, &handle_heartbeat>(),
    api<LeaveGroupRequest, &handle_leave_group>(),
    api<SyncGroupRequest, &handle_sync_group>(),
    api<DescribeGroupsRequest, &handle_describe_groups>(),
    api<ListGroupsRequest, &handle_list_groups>(),
    Api{ApiVersionsRequest::kApiKey, ApiVersionsRequest::kApiName, ApiVersionsRequest::kMinVersion,
        ApiVersionsRequest::kMinVersion, ApiVersionsRequest::kMaxVersion,
        ApiVersionsRequest::kFirstFlexible, &serve_api_versions},
    admin_api<CreateTopicsRequest, &handle_create_topics>(),
    admin_api<DeleteTopicsRequest, &handle_delete_topics>(),
    api<DeleteRecordsRequest, &handle_delete_records>(),
    api<OffsetForLeaderEpochRequest, &handle_offset_for_leader_epoch>(),
    api<DescribeConfigsRequest, &handle_describe_configs>(),
    admin_api<AlterConfigsRequest, &handle_alter_configs>(),
    api<DescribeLogDirsRequest, &handle_describe_log_dirs>(),
    admin_api<CreatePartitionsRequest, &handle_create_partitions>(),
    api<DeleteGroupsRequest, &handle_delete_groups>(),
    // Cluster operations, answered by the controller.
    api<ElectLeadersRequest, &handle_elect_leaders>(),
    admin_api<IncrementalAlterConfigsRequest, &handle_incremental_alter_configs>(),
    api<AlterPartitionReassignmentsRequest, &handle_alter_partition_reassignments>(),
    api<ListPartitionReassignmentsRequest, &handle_list_partition_reassignments>(),
    api<OffsetDeleteRequest, &handle_offset_delete>(),
    api<DescribeClusterRequest, &handle_describe_cluster>(),
};

constexpr bool ascending_keys() {
  for (size_t i = 1; i < kApis.size(); ++i) {
    if (kApis[i - 1].key >= kApis[i].key) return false;
  }
  return true;
}
static_assert(ascending_keys(), "kApis lists each API once, by ascending key");

}  // namespace

std::span<const Api> served_apis() {
  return kApis;
}

void run_on_admin_thread(const RequestPtr& request, std::function<void()> work) {
  request->hold_connection();
  request->broker().admin_thread().post(std::move(work));
}

void close_malformed(const RequestPtr& request, const char* api_name) {
  spdlog::warn("closing connection from {}: malformed {} v{} request", request->client_host(),
               api_name, request->version());
  request->close_connection();
}

}  // namespace gregor::api
