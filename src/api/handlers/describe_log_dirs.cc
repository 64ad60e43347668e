// DescribeLogDirs: each log directory with the partitions it holds and their sizes on disk.
#include <filesystem>
#include <map>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "protocol/messages/describe_log_dirs.h"

namespace gregor::api {
namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;
namespace fs = std::filesystem;

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  auto path = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  return ec ? dir : path.string();
}

// The partitions asked about: every hosted one when the request's topic list is null.
std::map<std::string, std::vector<int32_t>> wanted(Broker& broker,
                                                   const DescribeLogDirsRequest& body) {
  std::map<std::string, std::vector<int32_t>> out;
  if (body.topics) {
    for (const auto& topic : *body.topics)
      out[topic.topic] = topic.partitions;
    return out;
  }
  for (const auto& topic : broker.topics().all()) {
    auto& partitions = out[topic->name];
    for (int32_t p = 0; p < topic->partition_count(); ++p)
      partitions.push_back(p);
  }
  return out;
}

}  // namespace

void handle_describe_log_dirs(const RequestPtr& request, protocol::DescribeLogDirsRequest body) {
  Broker& broker = request->broker();
  DescribeLogDirsResponse response;
  std::map<std::string, DescribeLogDirsResponse::DescribeLogDirsResult*> by_dir;
  for (const auto& dir : broker.config().log_dirs) {
    auto& result = response.results.emplace_back();
    result.log_dir = absolute_dir(dir);
    std::error_code ec;
    auto space = fs::space(result.log_dir, ec);
    if (!ec) {
      result.total_bytes = static_cast<int64_t>(space.capacity);
      result.usable_bytes = static_cast<int64_t>(space.available);
    }
  }
  for (auto& result : response.results)
    by_dir[result.log_dir] = &result;
  for (const auto& [topic, partitions] : wanted(broker, body)) {
    for (int32_t index : partitions) {
      auto partition = broker.replicas().get(topic, index);
      if (!partition) continue;  // Kafka leaves out what the broker does not host
      auto it = by_dir.find(absolute_dir(fs::path(partition->log().dir()).parent_path()));
      if (it == by_dir.end()) continue;
      auto& topics = it->second->topics;
      if (topics.empty() || topics.back().name != topic) topics.emplace_back().name = topic;
      topics.back().partitions.push_back({index, partition->log().size_bytes(), 0, false});
    }
  }
  request->respond(response);
}

}  // namespace gregor::api
