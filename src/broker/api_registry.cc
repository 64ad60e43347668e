#include "broker/api_registry.h"

#include <array>

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

namespace gregor::broker {
namespace {

template <typename Request>
constexpr ApiHandler api(const char* name, int16_t min_served, void (*handle)(const RequestPtr&),
                         int16_t min_advertised = Request::kMinVersion) {
  return ApiHandler{
      Request::kApiKey,        name,  min_advertised, min_served, Request::kMaxVersion,
      Request::kFirstFlexible, handle};
}

using namespace protocol;

constexpr std::array kApis = {
    api<ProduceRequest>("Produce", 3, &handle_produce),
    api<FetchRequest>("Fetch", 4, &handle_fetch),
    api<ListOffsetsRequest>("ListOffsets", 0, &handle_list_offsets),
    api<MetadataRequest>("Metadata", 0, &handle_metadata),
    api<ApiVersionsRequest>("ApiVersions", 0, &handle_api_versions),
    api<CreateTopicsRequest>("CreateTopics", 0, &handle_create_topics),
    api<DeleteTopicsRequest>("DeleteTopics", 0, &handle_delete_topics),
    api<CreatePartitionsRequest>("CreatePartitions", 0, &handle_create_partitions),
    api<FindCoordinatorRequest>("FindCoordinator", 0, &handle_find_coordinator),
    // Consumer groups (coordinator/). librdkafka turns groups on only when JoinGroup v0 and
    // the other group APIs' old versions are in range: all are served from version 0.
    api<JoinGroupRequest>("JoinGroup", 0, &handle_join_group),
    api<SyncGroupRequest>("SyncGroup", 0, &handle_sync_group),
    api<HeartbeatRequest>("Heartbeat", 0, &handle_heartbeat),
    api<LeaveGroupRequest>("LeaveGroup", 0, &handle_leave_group),
    api<OffsetCommitRequest>("OffsetCommit", 0, &handle_offset_commit),
    api<OffsetFetchRequest>("OffsetFetch", 0, &handle_offset_fetch),
    api<OffsetDeleteRequest>("OffsetDelete", 0, &handle_offset_delete),
    api<ListGroupsRequest>("ListGroups", 0, &handle_list_groups),
    api<DescribeGroupsRequest>("DescribeGroups", 0, &handle_describe_groups),
    api<DeleteGroupsRequest>("DeleteGroups", 0, &handle_delete_groups),
    api<DescribeConfigsRequest>("DescribeConfigs", 0, &handle_describe_configs),
    api<AlterConfigsRequest>("AlterConfigs", 0, &handle_alter_configs),
    api<IncrementalAlterConfigsRequest>("IncrementalAlterConfigs", 0,
                                        &handle_incremental_alter_configs),
    api<DescribeClusterRequest>("DescribeCluster", 0, &handle_describe_cluster),
    api<DeleteRecordsRequest>("DeleteRecords", 0, &handle_delete_records),
    api<DescribeLogDirsRequest>("DescribeLogDirs", 0, &handle_describe_log_dirs),
    api<OffsetForLeaderEpochRequest>("OffsetForLeaderEpoch", 0, &handle_offset_for_leader_epoch),
    api<AlterPartitionReassignmentsRequest>("AlterPartitionReassignments", 0,
                                            &handle_alter_partition_reassignments),
    api<ListPartitionReassignmentsRequest>("ListPartitionReassignments", 0,
                                           &handle_list_partition_reassignments),
    // Cluster operations, answered by the controller. ControlledShutdown v0 has a request header
    // without a client id; only v1+ is served.
    api<ControlledShutdownRequest>("ControlledShutdown", 1, &handle_controlled_shutdown, 1),
    api<ElectLeadersRequest>("ElectLeaders", 0, &handle_elect_leaders),
};

}  // namespace

std::span<const ApiHandler> api_handlers() {
  return kApis;
}

const ApiHandler* find_api(int16_t api_key) {
  for (const auto& handler : kApis) {
    if (handler.api_key == api_key) return &handler;
  }
  return nullptr;
}

}  // namespace gregor::broker
