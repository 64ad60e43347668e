// The handlers, one file each in this folder, as api/apis.cc declares them. Each receives its
// request decoded at a version it serves (api/apis.h); the message types are only declared here,
// so that including this header does not pull in every generated message.
#pragma once

#include "api/request_context.h"
#include "common/error_code.h"

namespace gregor::protocol {
struct AlterConfigsRequest;
struct AlterPartitionReassignmentsRequest;
struct ControlledShutdownRequest;
struct CreatePartitionsRequest;
struct CreateTopicsRequest;
struct DeleteGroupsRequest;
struct DeleteRecordsRequest;
struct DeleteTopicsRequest;
struct DescribeClusterRequest;
struct DescribeConfigsRequest;
struct DescribeGroupsRequest;
struct DescribeLogDirsRequest;
struct ElectLeadersRequest;
struct FetchRequest;
struct FetchResponse;
struct FindCoordinatorRequest;
struct HeartbeatRequest;
struct IncrementalAlterConfigsRequest;
struct JoinGroupRequest;
struct LeaveGroupRequest;
struct ListGroupsRequest;
struct ListOffsetsRequest;
struct ListPartitionReassignmentsRequest;
struct MetadataRequest;
struct OffsetCommitRequest;
struct OffsetDeleteRequest;
struct OffsetFetchRequest;
struct OffsetForLeaderEpochRequest;
struct ProduceRequest;
struct ProduceResponse;
struct SyncGroupRequest;
}  // namespace gregor::protocol

namespace gregor::api {

// ApiVersions is served before the client knows any version: it answers any version, and a
// malformed body with INVALID_REQUEST, so it decodes for itself.
void serve_api_versions(const RequestPtr& request);

void handle_metadata(const RequestPtr& request, protocol::MetadataRequest body);
void handle_produce(const RequestPtr& request, protocol::ProduceRequest body);
protocol::ProduceResponse produce_error_response(const protocol::ProduceRequest& body,
                                                 ErrorCode error);
void handle_fetch(const RequestPtr& request, protocol::FetchRequest body);
protocol::FetchResponse fetch_error_response(const protocol::FetchRequest& body, ErrorCode error);
void handle_list_offsets(const RequestPtr& request, protocol::ListOffsetsRequest body);
void handle_create_topics(const RequestPtr& request, protocol::CreateTopicsRequest body);
void handle_delete_topics(const RequestPtr& request, protocol::DeleteTopicsRequest body);
void handle_create_partitions(const RequestPtr& request, protocol::CreatePartitionsRequest body);
void handle_find_coordinator(const RequestPtr& request, protocol::FindCoordinatorRequest body);
void handle_join_group(const RequestPtr& request, protocol::JoinGroupRequest body);
void handle_sync_group(const RequestPtr& request, protocol::SyncGroupRequest body);
void handle_heartbeat(const RequestPtr& request, protocol::HeartbeatRequest body);
void handle_leave_group(const RequestPtr& request, protocol::LeaveGroupRequest body);
void handle_offset_commit(const RequestPtr& request, protocol::OffsetCommitRequest body);
void handle_offset_fetch(const RequestPtr& request, protocol::OffsetFetchRequest body);
void handle_offset_delete(const RequestPtr& request, protocol::OffsetDeleteRequest body);
void handle_list_groups(const RequestPtr& request, protocol::ListGroupsRequest body);
void handle_describe_groups(const RequestPtr& request, protocol::DescribeGroupsRequest body);
void handle_delete_groups(const RequestPtr& request, protocol::DeleteGroupsRequest body);
void handle_describe_configs(const RequestPtr& request, protocol::DescribeConfigsRequest body);
void handle_alter_configs(const RequestPtr& request, protocol::AlterConfigsRequest body);
void handle_incremental_alter_configs(const RequestPtr& request,
                                      protocol::IncrementalAlterConfigsRequest body);
void handle_describe_cluster(const RequestPtr& request, protocol::DescribeClusterRequest body);
void handle_delete_records(const RequestPtr& request, protocol::DeleteRecordsRequest body);
void handle_describe_log_dirs(const RequestPtr& request, protocol::DescribeLogDirsRequest body);
void handle_offset_for_leader_epoch(const RequestPtr& request,
                                    protocol::OffsetForLeaderEpochRequest body);
void handle_alter_partition_reassignments(const RequestPtr& request,
                                          protocol::AlterPartitionReassignmentsRequest body);
void handle_list_partition_reassignments(const RequestPtr& request,
                                         protocol::ListPartitionReassignmentsRequest body);
void handle_controlled_shutdown(const RequestPtr& request,
                                protocol::ControlledShutdownRequest body);
void handle_elect_leaders(const RequestPtr& request, protocol::ElectLeadersRequest body);

}  // namespace gregor::api
