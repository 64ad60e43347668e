#include "cli/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/cli_error.h"

namespace gregor::cli {
namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

ClientProperties read_command_config(const std::string& path) {
  ClientProperties props;
  if (path.empty()) return props;
  std::ifstream in(path);
  if (!in) throw CliError("cannot read --command-config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  if (!parse_client_properties(text.str(), props, error)) {
    throw CliError("--command-config " + path + ": " + error);
  }
  return props;
}

// librdkafka logs connection failures itself; the CLI reports them once, as one line.
void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

bool is_unreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE;
}

}  // namespace

bool parse_client_properties(std::string_view text, ClientProperties& out, std::string& error) {
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      error = fmt::format("line {} is not key=value: {}", number, line);
      return false;
    }
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return true;
}

Client::Client(const GlobalOptions& options, Kind kind, const ClientProperties& extra,
               const std::function<void(rd_kafka_conf_t*)>& configure)
    : options_(options) {
  ClientProperties props = {{"bootstrap.servers", options.bootstrap_server},
                            {"socket.timeout.ms", std::to_string(options.timeout_ms())}};
  for (const auto& [key, value] : read_command_config(options.command_config))
    props[key] = value;
  for (const auto& [key, value] : extra)
    props[key] = value;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw CliError(fmt::format("invalid client property {}={}: {}", key, value, errstr));
    }
  }
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  if (configure) configure(conf);
  const auto type = kind == Kind::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER;
  rk_ = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw CliError(std::string("cannot create the Kafka client: ") + errstr);
  }
  queue_ = rd_kafka_queue_new(rk_);
}

Client::~Client() {
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

std::string Client::unreachable_message() const {
  return fmt::format(
      "cannot reach a broker at {} within {} s: check --bootstrap-server (or "
      "GREGOR_BOOTSTRAP_SERVER) and that the broker is running",
      options_.bootstrap_server, options_.timeout_s);
}

void check(const Client& client, rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (is_unreachable(err)) throw CliError(client.unreachable_message());
  throw CliError(what + ": " + rd_kafka_err2str(err));
}

Metadata Client::metadata() const {
  const rd_kafka_metadata_t* md = nullptr;
  check(*this, rd_kafka_metadata(rk_, 1, nullptr, &md, options_.timeout_ms()), "metadata");
  return Metadata(md);
}

Metadata Client::metadata_creating(const std::string& name) const {
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> handle(
      rd_kafka_topic_new(rk_, name.c_str(), nullptr), &rd_kafka_topic_destroy);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms());
  while (true) {
    const rd_kafka_metadata_t* md = nullptr;
    check(*this, rd_kafka_metadata(rk_, 0, handle.get(), &md, options_.timeout_ms()), "metadata");
    Metadata result(md);
    const bool leaderless =
        md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    if (!leaderless || std::chrono::steady_clock::now() >= deadline) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the new topic's leaders
  }
}

const rd_kafka_metadata_topic_t& Client::topic(const rd_kafka_metadata_t& md,
                                               const std::string& name) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    const auto& topic = md.topics[i];
    if (name == topic.topic && topic.err == RD_KAFKA_RESP_ERR_NO_ERROR) return topic;
  }
  throw CliError(
      fmt::format("unknown topic '{}': see `gregor topic list`, or create it with "
                  "`gregor topic create {}`",
                  name, name));
}

std::vector<int32_t> Client::partition_ids(const rd_kafka_metadata_topic_t& topic,
                                           const std::vector<int32_t>& wanted) {
  std::vector<int32_t> all;
  for (int i = 0; i < topic.partition_cnt; ++i)
    all.push_back(topic.partitions[i].id);
  std::sort(all.begin(), all.end());
  for (int32_t p : wanted) {
    if (!std::binary_search(all.begin(), all.end(), p)) {
      throw CliError(fmt::format("topic '{}' has no partition {} (it has {})", topic.topic, p,
                                 topic.partition_cnt));
    }
  }
  return wanted.empty() ? all : wanted;
}

Event Client::admin(const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
                    bool validate_only) const {
  rd_kafka_AdminOptions_t* admin_options = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_ANY);
  char errstr[512];
  rd_kafka_AdminOptions_set_request_timeout(admin_options, options_.timeout_ms(), errstr,
                                            sizeof errstr);
  if (validate_only)
    rd_kafka_AdminOptions_set_validate_only(admin_options, 1, errstr, sizeof errstr);
  call(admin_options, queue_);
  rd_kafka_AdminOptions_destroy(admin_options);
  Event event(rd_kafka_queue_poll(queue_, options_.timeout_ms() + 5000));
  if (!event) throw CliError(unreachable_message());
  const auto err = rd_kafka_event_error(event.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (is_unreachable(err)) throw CliError(unreachable_message());
    throw CliError(rd_kafka_event_error_string(event.get()));
  }
  return event;
}

std::pair<int64_t, int64_t> Client::watermarks(const std::string& topic, int32_t partition) const {
  int64_t low = -1;
  int64_t high = -1;
  check(*this,
        rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &low, &high,
                                         options_.timeout_ms()),
        fmt::format("offsets of {}-{}", topic, partition));
  return {low, high};
}

}  // namespace gregor::cli
