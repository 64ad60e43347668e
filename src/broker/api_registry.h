// The APIs this broker serves. ApiVersions is answered from this table, so what is advertised
// and what is handled cannot disagree. The maximum version of each API is the one its schema
// describes.
//
// Some APIs are advertised from version 0 while only newer versions are served: librdkafka turns
// features on only when the advertised range covers old versions (Produce v0 for compression,
// for example), so Gregor advertises them, as Kafka does, and answers the old versions with
// UNSUPPORTED_VERSION.
#pragma once

#include <cstdint>
#include <span>

#include "broker/request_context.h"

namespace gregor::broker {

struct ApiHandler {
  int16_t api_key;
  const char* name;
  int16_t min_advertised;
  int16_t min_served;
  int16_t max_version;
  int16_t request_first_flexible;
  void (*handle)(const RequestPtr& request);
};

std::span<const ApiHandler> api_handlers();
const ApiHandler* find_api(int16_t api_key);

// The handlers, one file each in broker/handlers/.
void handle_api_versions(const RequestPtr& request);
void handle_metadata(const RequestPtr& request);
void handle_produce(const RequestPtr& request);
void handle_fetch(const RequestPtr& request);
void handle_list_offsets(const RequestPtr& request);
void handle_create_topics(const RequestPtr& request);
void handle_delete_topics(const RequestPtr& request);
void handle_create_partitions(const RequestPtr& request);
void handle_find_coordinator(const RequestPtr& request);
void handle_join_group(const RequestPtr& request);
void handle_sync_group(const RequestPtr& request);
void handle_heartbeat(const RequestPtr& request);
void handle_leave_group(const RequestPtr& request);
void handle_offset_commit(const RequestPtr& request);
void handle_offset_fetch(const RequestPtr& request);
void handle_offset_delete(const RequestPtr& request);
void handle_list_groups(const RequestPtr& request);
void handle_describe_groups(const RequestPtr& request);
void handle_delete_groups(const RequestPtr& request);
void handle_describe_configs(const RequestPtr& request);
void handle_alter_configs(const RequestPtr& request);
void handle_incremental_alter_configs(const RequestPtr& request);
void handle_describe_cluster(const RequestPtr& request);
void handle_delete_records(const RequestPtr& request);
void handle_describe_log_dirs(const RequestPtr& request);
void handle_offset_for_leader_epoch(const RequestPtr& request);
void handle_alter_partition_reassignments(const RequestPtr& request);
void handle_list_partition_reassignments(const RequestPtr& request);
void handle_controlled_shutdown(const RequestPtr& request);
void handle_elect_leaders(const RequestPtr& request);

}  // namespace gregor::broker
