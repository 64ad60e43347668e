// Fetch: whole record batches from each requested partition, sent from the segment files with
// sendfile. When less than min_bytes is available the request waits (a delayed fetch) until an
// append brings enough or max_wait_ms passes; the waiting costs no thread.
//
// Consumers read from the leader up to the high watermark. Followers (replica_id >= 0) read up to
// the log end; their fetch offset tells the leader how far they are, which moves the high
// watermark and the ISR. A follower whose last fetched epoch ends earlier in the leader's log
// than its fetch offset gets that epoch's end (diverging_epoch) instead of records. A follower
// throttled by leader.replication.throttled.replicas gets no records while the leader quota is
// exceeded (KIP-73).
#include <algorithm>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "common/clock.h"
#include "protocol/messages/fetch.h"

namespace gregor::api {

using broker::AppendListener;
using broker::Partition;

namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;

class DelayedFetch : public AppendListener, public std::enable_shared_from_this<DelayedFetch> {
 public:
  DelayedFetch(RequestPtr request, FetchRequest body)
      : request_(std::move(request)), body_(std::move(body)) {}

  // Reads what is there; answers at once if it is enough, else waits. Runs on the request's
  // executor, as do all later attempts, so attempts never race each other.
  void start() {
    int64_t bytes = 0;
    FetchResponse response = read(bytes, /*first=*/true);
    if (bytes >= body_.min_bytes || body_.max_wait_ms <= 0 || errors_ > 0) {
      return request_->respond(response);
    }
    auto self = shared_from_this();
    timer_ = request_->executor().run_after(std::chrono::milliseconds(body_.max_wait_ms),
                                            [self] { self->attempt(/*timed_out=*/true); });
    watch();
  }

  void on_append() override {
    auto self = shared_from_this();
    request_->executor().post([self] { self->attempt(/*timed_out=*/false); });
  }

 private:
  void attempt(bool timed_out) {
    if (done_) return;
    int64_t bytes = 0;
    FetchResponse response = read(bytes, /*first=*/false);
    if (!timed_out && bytes < body_.min_bytes && errors_ == 0) return watch();
    done_ = true;
    timer_.reset();
    request_->respond(response);
  }

  // Asks every partition of the request to say when it next grows.
  void watch() {
    Broker& broker = request_->broker();
    for (const auto& topic : body_.topics) {
      for (const auto& p : topic.partitions) {
        if (auto partition = broker.replicas().get(topic.topic, p.partition)) {
          partition->watch_appends(weak_from_this());
        }
      }
    }
  }

  // A follower's fetch offset is recorded on the first read only: a parked fetch read again
  // later still carries the offset of when it was sent, and the follower may have moved on (a
  // newer fetch on another connection, after this one was given up).
  FetchResponse read(int64_t& total_bytes, bool first) {
    Broker& broker = request_->broker();
    FetchResponse response;
    response.responses.reserve(body_.topics.size());
    errors_ = 0;
    int64_t budget = std::max(body_.max_bytes, 0);
    for (const auto& topic : body_.topics) {
      auto& topic_out = response.responses.emplace_back();
      topic_out.topic = topic.topic;
      topic_out.partitions.reserve(topic.partitions.size());
      for (const auto& want : topic.partitions) {
        auto& out = topic_out.partitions.emplace_back();
        out.partition_index = want.partition;
        out.aborted_transactions.emplace();  // none: Gregor has no transactions yet
        // Clients expect an empty record set, never a null one, even beside an error.
        out.records = protocol::Records::of(protocol::ByteView{});
        auto partition = broker.replicas().get(topic.topic, want.partition);
        const ErrorCode refused = check(broker, topic.topic, partition.get(), want);
        if (refused != ErrorCode::kNone) {
          out.error_code = to_wire(refused);
          out.high_watermark = out.last_stable_offset = -1;
          ++errors_;
          continue;
        }
        auto& log = partition->log();
        if (from_follower() && diverged(*partition, want, out)) {
          ++errors_;  // answered at once, like an error
          continue;
        }
        if (from_follower() && first) {
          if (auto change = partition->record_follower_fetch(body_.replica_id, want.fetch_offset,
                                                             wall_clock_ms())) {
            broker.propose_isr(partition, std::move(*change));
          }
        }
        const int64_t hw = partition->high_watermark();
        out.high_watermark = hw;
        out.last_stable_offset = hw;
        out.log_start_offset = log.log_start_offset();
        const int32_t limit =
            static_cast<int32_t>(std::min<int64_t>(want.partition_max_bytes, budget));
        // KIP-74: the first batch of the response goes out whole even when it is larger than
        // the limits, so that a consumer can always make progress.
        const int64_t upto = from_follower() ? log.log_end_offset() : hw;
        // A throttled follower over the leader quota gets the offsets but no records.
        const bool throttled = from_follower() && partition->leader_throttled_for(body_.replica_id);
        if (throttled && broker.leader_quota().exceeded()) continue;
        auto result = log.read(want.fetch_offset, limit, total_bytes == 0, upto);
        if (result.error != ErrorCode::kNone) {
          out.error_code = to_wire(result.error);
          ++errors_;
          continue;
        }
        if (result.slice && result.slice->size > 0) {
          out.records = protocol::Records::of(*result.slice);
          total_bytes += result.slice->size;
          budget = std::max<int64_t>(0, budget - result.slice->size);
          if (throttled) broker.leader_quota().record(result.slice->size);
        }
      }
    }
    return response;
  }

  bool from_follower() const { return body_.replica_id >= 0; }

  // Why this broker cannot serve `want` (not the leader, a leader epoch that does not match).
  static ErrorCode check(Broker& broker, const std::string& topic, const Partition* partition,
                         const FetchRequest::FetchPartition& want) {
    if (auto error = broker.leadership_error(topic, want.partition, partition);
        error != ErrorCode::kNone) {
      return error;
    }
    return partition->check_leader_epoch(want.current_leader_epoch);
  }

  // The follower's log diverged from this one: its last fetched epoch ends before its fetch
  // offset here, or it has records beyond this log's end. Sets diverging_epoch to where the
  // common history ends (the largest epoch at or below the follower's and its end offset here;
  // epoch -1 when this log has no epoch at all, being empty).
  static bool diverged(Partition& partition, const FetchRequest::FetchPartition& want,
                       FetchResponse::PartitionData& out) {
    auto& log = partition.log();
    storage::EpochEndOffset end{-1, -1};
    if (want.last_fetched_epoch >= 0) {
      end = log.end_offset_for_epoch(want.last_fetched_epoch);
      if (end.epoch >= 0 && end.epoch >= want.last_fetched_epoch &&
          end.end_offset >= want.fetch_offset) {
        return false;
      }
    }
    if (end.epoch < 0) {
      if (want.fetch_offset <= log.log_end_offset()) return false;
      end = {log.latest_epoch(), log.log_end_offset()};
    }
    out.diverging_epoch.epoch = end.epoch;
    out.diverging_epoch.end_offset = end.end_offset;
    out.high_watermark = out.last_stable_offset = partition.high_watermark();
    out.log_start_offset = log.log_start_offset();
    return true;
  }

  RequestPtr request_;
  FetchRequest body_;
  std::shared_ptr<void> timer_;
  int errors_ = 0;
  bool done_ = false;
};

}  // namespace

FetchResponse fetch_error_response(const FetchRequest& body, ErrorCode error) {
  FetchResponse response;
  response.error_code = to_wire(error);
  for (const auto& topic : body.topics) {
    auto& out = response.responses.emplace_back();
    out.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      auto& partition = out.partitions.emplace_back();
      partition.partition_index = p.partition;
      partition.error_code = to_wire(error);
    }
  }
  return response;
}

void handle_fetch(const RequestPtr& request, protocol::FetchRequest body) {
  std::make_shared<DelayedFetch>(request, std::move(body))->start();
}

}  // namespace gregor::api
