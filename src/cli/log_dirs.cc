#include "cli/log_dirs.h"

#include <vector>

#include "cli/broker_request.h"
#include "protocol/messages/describe_log_dirs.h"

namespace gregor::cli {
namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

// v1: the newest version without flexible headers; every broker since Kafka 2.0 serves it.
constexpr int16_t kVersion = 1;

const rd_kafka_metadata_broker_t* find_broker(const rd_kafka_metadata_t& md, int32_t id) {
  for (int i = 0; i < md.broker_cnt; ++i) {
    if (md.brokers[i].id == id) return &md.brokers[i];
  }
  return nullptr;
}

}  // namespace

std::map<int32_t, int64_t> partition_sizes(const Client& client, const rd_kafka_metadata_t& md,
                                           const rd_kafka_metadata_topic_t& topic) {
  std::map<int32_t, std::vector<int32_t>> by_leader;
  for (int i = 0; i < topic.partition_cnt; ++i)
    by_leader[topic.partitions[i].leader].push_back(topic.partitions[i].id);
  std::map<int32_t, int64_t> sizes;
  for (const auto& [leader, partitions] : by_leader) {
    const auto* broker = find_broker(md, leader);
    if (broker == nullptr) continue;
    DescribeLogDirsRequest request;
    request.topics =
        std::vector<DescribeLogDirsRequest::DescribableLogDirTopic>{{topic.topic, partitions}};
    const auto response = send_request<DescribeLogDirsResponse>(
        broker->host, broker->port, request, kVersion, client.options().timeout_ms());
    if (!response) continue;
    for (const auto& dir : response->results) {
      for (const auto& t : dir.topics) {
        if (t.name != topic.topic) continue;
        for (const auto& p : t.partitions) {
          if (!p.is_future_key) sizes[p.partition_index] = p.partition_size;
        }
      }
    }
  }
  return sizes;
}

}  // namespace gregor::cli
