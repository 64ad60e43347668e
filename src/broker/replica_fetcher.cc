#include "broker/replica_fetcher.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "client/blocking_client.h"
#include "common/backoff.h"
#include "common/thread_name.h"
#include "common/topic_partition.h"
#include "protocol/messages/fetch.h"

namespace gregor::broker {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::FetchRequest;
using protocol::FetchResponse;

// v12: last_fetched_epoch in the request, diverging_epoch in the response.
constexpr int16_t kFetchVersion = 12;
// How long a fetcher whose partitions are all throttled waits before it asks the quota again.
constexpr int kThrottledPauseMs = 100;

// The offset a follower keeps after the leader reported that its log diverged at
// (`leader_epoch`, ending at `leader_end`).
int64_t truncation_offset(Partition& partition, int32_t leader_epoch, int64_t leader_end) {
  auto& log = partition.log();
  int64_t target = leader_end;  // the leader has no epoch at all: its (empty) log ends there
  if (leader_epoch >= 0) {
    auto local = log.end_offset_for_epoch(leader_epoch);
    if (local.epoch == leader_epoch) {
      target = std::min(leader_end, local.end_offset);  // the common history ends here
    } else if (local.epoch >= 0) {
      // This log has no record of the leader's epoch: drop back to the end of our own earlier
      // epoch; the next fetch compares that one.
      target = std::min(leader_end, local.end_offset);
    } else {
      target = std::min(leader_end, partition.high_watermark());
    }
  }
  return std::clamp(target, log.log_start_offset(), log.log_end_offset());
}

}  // namespace

class ReplicaFetchers::Fetcher {
 public:
  Fetcher(const Options& options, const EndpointOf& endpoint_of, ReplicationQuota& quota,
          int32_t leader)
      : options_(options),
        endpoint_of_(endpoint_of),
        quota_(quota),
        leader_(leader),
        client_("replica-fetcher-" + std::to_string(options.broker_id)) {
    thread_ = std::thread([this] { run(); });
    name_thread(thread_, "fetcher-" + std::to_string(leader));
  }
  ~Fetcher() { stop(); }

  void add(std::shared_ptr<Partition> partition, int32_t epoch) {
    std::lock_guard lock(mu_);
    Key key{partition->topic(), partition->index()};
    auto it = partitions_.find(key);
    // Every state change of the partition comes here; one that changes neither the partition nor
    // its leader's epoch (its ISR, say) leaves the fetching as it is.
    if (it != partitions_.end() && it->second.partition == partition && it->second.epoch == epoch) {
      return;
    }
    partitions_.insert_or_assign(
        key, Entry{std::move(partition), epoch, Clock::time_point{},
                   Backoff(kFirstBackoff, std::chrono::milliseconds(options_.backoff_ms))});
    wake_.notify_all();
    if (in_flight_ && !gave_up_last_) {
      // The fetch in flight lacks this partition (or asks with another epoch) and may be parked
      // at the leader for up to replica.fetch.wait.max.ms. An answer due soon is still worth its
      // records; one that is not, is parked: stop waiting for it and send a fetch that asks for
      // this partition too.
      hurried_ = true;
      client_.give_up_at(std::max(Clock::now(), sent_at_ + kParkedAfter));
    }
  }

  // Returns once no response for `partition` is being handled any more.
  bool remove(const Partition& partition) {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(Key{partition.topic(), partition.index()});
    if (it == partitions_.end() || it->second.partition.get() != &partition) return false;
    partitions_.erase(it);
    return true;
  }

  bool empty() {
    std::lock_guard lock(mu_);
    return partitions_.empty();
  }

  void reconnect() {
    std::lock_guard lock(mu_);
    reconnect_ = true;
    wake_.notify_all();
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      wake_.notify_all();
    }
    client_.interrupt();
    if (thread_.joinable()) thread_.join();
  }

 private:
  using Key = TopicPartition;
  struct Entry {
    std::shared_ptr<Partition> partition;
    int32_t epoch = 0;
    Clock::time_point backoff_until;
    Backoff backoff;
  };

  // A partition's first error is most often a race that ends within milliseconds: a leader
  // that does not know yet that it leads a partition just created or moved. So its pause
  // starts short and doubles with each error in a row, up to replica.fetch.backoff.ms.
  static constexpr std::chrono::milliseconds kFirstBackoff{50};
  // A leader answers a fetch it can serve within milliseconds; one not answered by then is
  // parked until records come or replica.fetch.wait.max.ms passes.
  static constexpr std::chrono::milliseconds kParkedAfter{50};

  static void back_off(Entry& entry) {
    entry.backoff_until = Clock::now() + entry.backoff.failed();
  }

  void run() {
    while (true) {
      FetchRequest request;
      {
        std::unique_lock lock(mu_);
        if (!wait_for_work(lock)) return;
        if (reconnect_) client_.close();
        reconnect_ = false;
        request = build_request();
        in_flight_ = !request.topics.empty();
        sent_at_ = Clock::now();
        client_.give_up_at(Clock::time_point::max());
      }
      if (request.topics.empty()) {
        // Every partition is throttled: wait for the quota, not for a wake-up.
        std::this_thread::sleep_for(std::chrono::milliseconds(kThrottledPauseMs));
        continue;
      }
      std::string error;
      FetchResponse response;
      const bool answered =
          ensure_connected(error) &&
          client_.call(FetchRequest::kApiKey, kFetchVersion, request, response,
                       std::chrono::milliseconds(options_.wait_max_ms + options_.socket_timeout_ms),
                       error) &&
          response.error_code == 0;
      std::lock_guard lock(mu_);
      in_flight_ = false;
      // Given up for a partition added meanwhile: fetch again at once (a real failure shows in
      // that fetch too).
      gave_up_last_ = std::exchange(hurried_, false) && !answered;
      if (gave_up_last_) continue;
      if (!answered) {
        if (error.empty()) error = "error " + std::to_string(response.error_code);
        spdlog::warn("replica fetcher: fetch from broker {} failed: {}", leader_, error);
        back_off_all();
        continue;
      }
      for (auto& topic : response.responses) {
        for (auto& data : topic.partitions) {
          auto it = partitions_.find(Key{topic.topic, data.partition_index});
          if (it != partitions_.end()) handle(it->second, data);
        }
      }
    }
  }

  // Under mu_: waits until some partition may be fetched; false when stopping.
  bool wait_for_work(std::unique_lock<std::mutex>& lock) {
    while (!stopping_) {
      auto next = Clock::time_point::max();
      for (const auto& [_, entry] : partitions_)
        next = std::min(next, entry.backoff_until);
      if (next <= Clock::now()) return true;
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
    }
    return false;
  }

  FetchRequest build_request() {
    FetchRequest request;
    request.replica_id = options_.broker_id;
    request.max_wait_ms = options_.wait_max_ms;
    request.min_bytes = options_.min_bytes;
    request.max_bytes = options_.response_max_bytes;
    const auto now = Clock::now();
    const bool over_quota = quota_.exceeded();
    auto first_back = Clock::time_point::max();  // when a partition left out may be fetched
    // A partition removed after it was followed (a topic deleted while its state was applied)
    // leaves here, whoever forgot to unfollow it.
    std::erase_if(partitions_, [](const auto& item) { return item.second.partition->removed(); });
    for (const auto& [key, entry] : partitions_) {
      if (entry.backoff_until > now) {
        first_back = std::min(first_back, entry.backoff_until);
        continue;
      }
      if (over_quota && entry.partition->follower_throttled()) continue;
      if (request.topics.empty() || request.topics.back().topic != key.topic) {
        request.topics.emplace_back().topic = key.topic;
      }
      auto& log = entry.partition->log();
      auto& want = request.topics.back().partitions.emplace_back();
      want.partition = key.partition;
      want.current_leader_epoch = entry.epoch;
      want.fetch_offset = log.log_end_offset();
      want.last_fetched_epoch = log.latest_epoch();
      want.log_start_offset = log.log_start_offset();
      want.partition_max_bytes = options_.partition_max_bytes;
    }
    // The leader parks this fetch no longer than a partition left out pauses.
    if (first_back != Clock::time_point::max()) {
      const auto pause = std::chrono::ceil<std::chrono::milliseconds>(first_back - now).count();
      request.max_wait_ms = static_cast<int32_t>(std::min<int64_t>(request.max_wait_ms, pause));
    }
    return request;
  }

  bool ensure_connected(std::string& error) {
    if (client_.connected()) return true;
    auto endpoint = endpoint_of_(leader_);
    if (!endpoint) {
      error = "broker " + std::to_string(leader_) + " is not registered";
      return false;
    }
    return client_.connect(endpoint->host, endpoint->port,
                           std::chrono::milliseconds(options_.socket_timeout_ms), error);
  }

  // Under mu_.
  void back_off_all() {
    const auto until = Clock::now() + std::chrono::milliseconds(options_.backoff_ms);
    for (auto& [_, entry] : partitions_)
      entry.backoff_until = until;
  }

  // Under mu_, so that unfollow() waits for it.
  void handle(Entry& entry, FetchResponse::PartitionData& data) {
    Partition& partition = *entry.partition;
    const auto error = static_cast<ErrorCode>(data.error_code);
    if (error != ErrorCode::kNone) {
      spdlog::warn("replica fetcher: {}-{} from broker {}: {}", partition.topic(),
                   partition.index(), leader_, error_name(error));
      back_off(entry);
      return;
    }
    if (data.diverging_epoch.epoch >= 0 || data.diverging_epoch.end_offset >= 0) {
      const int64_t offset =
          truncation_offset(partition, data.diverging_epoch.epoch, data.diverging_epoch.end_offset);
      spdlog::info("{}-{}: diverged from leader {} (its epoch {} ends at {}): truncating {} -> {}",
                   partition.topic(), partition.index(), leader_, data.diverging_epoch.epoch,
                   data.diverging_epoch.end_offset, partition.log().log_end_offset(), offset);
      partition.truncate_to(offset);
      entry.backoff.succeeded();
      return;
    }
    if (data.records.size() > 0) {
      // The bytes live in the client's response buffer, which is ours until the next call.
      auto view = data.records.bytes;
      std::span<uint8_t> records(const_cast<uint8_t*>(view.data()), view.size());
      auto appended = partition.append_as_follower(records);
      if (partition.follower_throttled()) quota_.record(static_cast<int64_t>(view.size()));
      if (appended.error != ErrorCode::kNone) {
        spdlog::error("replica fetcher: {}-{}: cannot append at {}: {}", partition.topic(),
                      partition.index(), partition.log().log_end_offset(),
                      error_name(appended.error));
        back_off(entry);
        return;
      }
    }
    auto& log = partition.log();
    if (data.log_start_offset > log.log_start_offset() &&
        data.log_start_offset <= log.log_end_offset()) {
      log.advance_log_start_offset(data.log_start_offset);  // DeleteRecords or retention
    }
    partition.follower_high_watermark(data.high_watermark);
    entry.backoff.succeeded();
  }

  const Options& options_;
  const EndpointOf& endpoint_of_;
  ReplicationQuota& quota_;
  const int32_t leader_;
  client::BlockingClient client_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<Key, Entry> partitions_;
  bool stopping_ = false;
  bool reconnect_ = false;
  bool in_flight_ = false;  // a fetch is being sent or waited for
  bool hurried_ = false;    // ...and a partition was added since it was built
  // The fetch before was given up. Then this one is not: on a busy machine a leader may take
  // longer than kParkedAfter to answer at all, and a stream of new partitions (a broker failing
  // over hundreds) must not starve the ones already fetched.
  bool gave_up_last_ = false;
  Clock::time_point sent_at_;
  std::thread thread_;
};

ReplicaFetchers::ReplicaFetchers(Options options, EndpointOf endpoint_of, ReplicationQuota& quota)
    : options_(options), endpoint_of_(std::move(endpoint_of)), quota_(quota) {}

ReplicaFetchers::~ReplicaFetchers() {
  stop();
}

void ReplicaFetchers::follow(std::shared_ptr<Partition> partition, int32_t leader,
                             int32_t leader_epoch) {
  std::lock_guard lock(mutex_);
  if (stopped_ || partition->removed()) return;
  for (auto& [id, fetcher] : fetchers_) {
    if (id != leader) fetcher->remove(*partition);
  }
  auto& fetcher = fetchers_[leader];
  if (!fetcher) fetcher = std::make_unique<Fetcher>(options_, endpoint_of_, quota_, leader);
  fetcher->add(std::move(partition), leader_epoch);
}

void ReplicaFetchers::unfollow(const Partition& partition) {
  std::lock_guard lock(mutex_);
  for (auto& [_, fetcher] : fetchers_)
    fetcher->remove(partition);
}

void ReplicaFetchers::brokers_changed() {
  std::lock_guard lock(mutex_);
  for (auto& [_, fetcher] : fetchers_)
    fetcher->reconnect();
}

void ReplicaFetchers::stop() {
  std::map<int32_t, std::unique_ptr<Fetcher>> stopping;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    stopping.swap(fetchers_);
  }
  stopping.clear();  // joins the threads
}

}  // namespace gregor::broker
