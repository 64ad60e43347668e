// The dispatcher without a socket or a broker: frames built as a client would, handlers that
// record what reaches them, and the responses decoded back.
#include "api/dispatcher.h"

#include <gtest/gtest.h>

#include <array>

#include "protocol/messages/api_versions.h"
#include "protocol/messages/heartbeat.h"
#include "protocol/messages/list_groups.h"
#include "protocol/messages/produce.h"
#include "protocol/request_header.h"

namespace gregor::api {
namespace {

using protocol::HeartbeatRequest;
using protocol::HeartbeatResponse;
using protocol::ProduceRequest;
using protocol::ProduceResponse;

// Runs posted work at once: nothing here is asynchronous.
class InlineExecutor : public Executor {
 public:
  void post(std::function<void()> fn) override { fn(); }
  std::shared_ptr<void> run_after(std::chrono::milliseconds, std::function<void()>) override {
    return nullptr;
  }
};

std::vector<HeartbeatRequest> heartbeats;
int produces = 0;

void handle_heartbeat(const RequestPtr& request, HeartbeatRequest body) {
  heartbeats.push_back(body);
  HeartbeatResponse response;
  response.error_code = to_wire(ErrorCode::kRebalanceInProgress);
  request->respond(response);
}

void handle_produce(const RequestPtr& request, ProduceRequest) {
  ++produces;
  request->respond(ProduceResponse{});
}

ProduceResponse refuse_produce(const ProduceRequest& body, ErrorCode error) {
  ProduceResponse response;
  for (const auto& topic : body.topic_data) {
    auto& out = response.responses.emplace_back();
    out.name = topic.name;
    for (const auto& partition : topic.partition_data)
      out.partition_responses.push_back({.index = partition.index, .error_code = to_wire(error)});
  }
  return response;
}

// Answers later, from "another thread", and holds the connection meanwhile, as the handlers
// that run on the admin thread do.
std::vector<RequestPtr> held;

void handle_list_groups_later(const RequestPtr& request, protocol::ListGroupsRequest) {
  request->hold_connection();
  held.push_back(request);
}

void handle_api_versions_never(const RequestPtr&, protocol::ApiVersionsRequest) {
  FAIL() << "ApiVersions is served by serve_api_versions in the broker's table";
}

constexpr std::array kTestApis = {
    api<ProduceRequest, &handle_produce, 3, &refuse_produce>(),
    api<HeartbeatRequest, &handle_heartbeat, 1>(),
    api<protocol::ListGroupsRequest, &handle_list_groups_later>(),
    api<protocol::ApiVersionsRequest, &handle_api_versions_never>(),
};

struct Outcome {
  bool accepted = false;  // not kCloseNow
  bool holding = false;   // kHolding
  int completions = 0;
  bool close = false;
  std::optional<protocol::Writer> frame;
};

template <typename Request>
protocol::FrameBuffer frame_of(const Request& body, int16_t version, int32_t correlation_id = 7,
                               int16_t api_key = Request::kApiKey) {
  protocol::Writer out;
  protocol::RequestHeader header{api_key, version, correlation_id, "test-client"};
  protocol::begin_request(out, header, version >= Request::kFirstFlexible);
  body.encode(out, version);
  const auto& bytes = out.bytes();
  return protocol::FrameBuffer(bytes.begin() + 4, bytes.end());  // without the size prefix
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heartbeats.clear();
    produces = 0;
    held.clear();
  }

  Outcome dispatch(protocol::FrameBuffer frame, std::span<const Api> apis = kTestApis) {
    auto outcome = std::make_shared<Outcome>();
    Dispatcher dispatcher(apis, nullptr);
    const auto dispatched =
        dispatcher.dispatch(std::move(frame), executor_, "peer", "/127.0.0.1",
                            [outcome](std::optional<protocol::Writer> out, bool close) {
                              ++outcome->completions;
                              outcome->close = close;
                              outcome->frame = std::move(out);
                            });
    outcome->accepted = dispatched != Dispatcher::Outcome::kCloseNow;
    outcome->holding = dispatched == Dispatcher::Outcome::kHolding;
    return *outcome;
  }

  // Decodes a response frame: the size, the correlation id, the header's tags when flexible.
  template <typename Response>
  Response decode(const Outcome& outcome, int16_t version, int32_t correlation_id = 7) {
    EXPECT_TRUE(outcome.frame.has_value());
    const auto& bytes = outcome.frame->bytes();
    protocol::Reader in(bytes);
    EXPECT_EQ(in.i32(), static_cast<int32_t>(bytes.size() - 4));
    EXPECT_EQ(in.i32(), correlation_id);
    if (version >= Response::kFirstFlexible && !protocol::is_api_versions(Response::kApiKey)) {
      in.uvarint();
    }
    Response response;
    response.decode(in, version);
    EXPECT_TRUE(in.ok());
    return response;
  }

  InlineExecutor executor_;
};

TEST_F(DispatcherTest, HandsTheDecodedBodyToTheHandlerAndAnswersInTheRequestsVersion) {
  for (int16_t version = 1; version <= HeartbeatRequest::kMaxVersion; ++version) {
    HeartbeatRequest body{.group_id = "g", .generation_id = 3, .member_id = "m"};
    const auto outcome = dispatch(frame_of(body, version, 40 + version));
    ASSERT_TRUE(outcome.accepted);
    EXPECT_EQ(outcome.completions, 1);
    EXPECT_FALSE(outcome.close);
    EXPECT_EQ(decode<HeartbeatResponse>(outcome, version, 40 + version).error_code,
              to_wire(ErrorCode::kRebalanceInProgress));
  }
  ASSERT_EQ(heartbeats.size(), 4u);
  EXPECT_EQ(heartbeats.back().group_id, "g");
  EXPECT_EQ(heartbeats.back().generation_id, 3);
}

TEST_F(DispatcherTest, AdvertisedButUnservedVersionsGetTheApisErrorResponse) {
  ProduceRequest body;
  body.acks = -1;
  body.topic_data.push_back({.name = "t", .partition_data = {{.index = 0}, {.index = 2}}});
  const auto outcome = dispatch(frame_of(body, 2));
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(produces, 0);
  const auto response = decode<ProduceResponse>(outcome, 2);
  ASSERT_EQ(response.responses.size(), 1u);
  ASSERT_EQ(response.responses[0].partition_responses.size(), 2u);
  for (const auto& partition : response.responses[0].partition_responses)
    EXPECT_EQ(partition.error_code, to_wire(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(dispatch(frame_of(body, 3)).completions, 1);
  EXPECT_EQ(produces, 1);
}

TEST_F(DispatcherTest, TheTableAdvertisesOldVersionsOnlyWhereTheyAreAnswered) {
  EXPECT_EQ(kTestApis[0].min_advertised, 0);  // Produce: refused with its error response
  EXPECT_EQ(kTestApis[0].min_served, 3);
  EXPECT_EQ(kTestApis[1].min_advertised, 1);  // Heartbeat v0: no error response, not advertised
  EXPECT_STREQ(kTestApis[1].name, "Heartbeat");
}

TEST_F(DispatcherTest, ClosesAtOnceOnVersionsOutsideTheAdvertisedRange) {
  HeartbeatRequest body{.group_id = "g"};
  for (int16_t version : {int16_t{0}, int16_t{5}, int16_t{-1}}) {
    const auto outcome = dispatch(frame_of(body, version));
    EXPECT_FALSE(outcome.accepted) << version;
    EXPECT_EQ(outcome.completions, 0);
  }
  EXPECT_TRUE(heartbeats.empty());
}

TEST_F(DispatcherTest, ClosesAtOnceOnUnknownKeysShortFramesAndBadHeaders) {
  HeartbeatRequest body{.group_id = "g"};
  EXPECT_FALSE(dispatch(frame_of(body, 1, 7, /*api_key=*/99)).accepted);
  EXPECT_FALSE(dispatch(protocol::FrameBuffer{0, 12, 0}).accepted);
  // A client id longer than the frame.
  auto frame = frame_of(body, 1);
  frame.resize(10);
  frame[8] = 0x7f;
  EXPECT_FALSE(dispatch(std::move(frame)).accepted);
  EXPECT_TRUE(heartbeats.empty());
}

TEST_F(DispatcherTest, AMalformedBodyClosesTheConnectionInItsTurn) {
  HeartbeatRequest body{.group_id = "group", .generation_id = 1, .member_id = "member"};
  auto frame = frame_of(body, 2);
  frame.resize(frame.size() - 3);  // the member id cut short
  const auto outcome = dispatch(std::move(frame));
  // Accepted, so that the responses to earlier requests still go out, then closed.
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.completions, 1);
  EXPECT_TRUE(outcome.close);
  EXPECT_FALSE(outcome.frame.has_value());
  EXPECT_TRUE(heartbeats.empty());
}

TEST_F(DispatcherTest, AHandlerThatAnswersLaterMayHoldTheConnectionUntilThen) {
  const auto heartbeat = dispatch(frame_of(HeartbeatRequest{.group_id = "g"}, 1));
  EXPECT_TRUE(heartbeat.accepted);
  EXPECT_FALSE(heartbeat.holding);

  auto outcome = std::make_shared<Outcome>();
  Dispatcher dispatcher(kTestApis, nullptr);
  const auto dispatched =
      dispatcher.dispatch(frame_of(protocol::ListGroupsRequest{}, 3), executor_, "peer",
                          "/127.0.0.1", [outcome](std::optional<protocol::Writer> out, bool) {
                            ++outcome->completions;
                            outcome->frame = std::move(out);
                          });
  EXPECT_EQ(dispatched, Dispatcher::Outcome::kHolding);
  EXPECT_EQ(outcome->completions, 0);
  ASSERT_EQ(held.size(), 1u);
  held.front()->respond(protocol::ListGroupsResponse{});
  EXPECT_EQ(outcome->completions, 1);
  EXPECT_TRUE(outcome->frame.has_value());
}

TEST_F(DispatcherTest, ApiVersionsAnswersAVersionItDoesNotKnowInTheV0Layout) {
  const auto outcome = dispatch(frame_of(protocol::ApiVersionsRequest{}, 42, 9, 18), served_apis());
  ASSERT_TRUE(outcome.accepted);
  const auto response = decode<protocol::ApiVersionsResponse>(outcome, 0, 9);
  EXPECT_EQ(response.error_code, to_wire(ErrorCode::kUnsupportedVersion));
  ASSERT_EQ(response.api_keys.size(), served_apis().size());
  for (size_t i = 0; i < served_apis().size(); ++i) {
    EXPECT_EQ(response.api_keys[i].api_key, served_apis()[i].key);
    EXPECT_EQ(response.api_keys[i].min_version, served_apis()[i].min_advertised);
    EXPECT_EQ(response.api_keys[i].max_version, served_apis()[i].max_version);
  }
}

TEST_F(DispatcherTest, TheServedTableKeepsTheRangesLibrdkafkaNeeds) {
  Dispatcher dispatcher(served_apis(), nullptr);
  // Produce and Fetch from v0, or librdkafka turns compression and fetching off.
  EXPECT_EQ(dispatcher.find(0)->min_advertised, 0);
  EXPECT_EQ(dispatcher.find(0)->min_served, 3);
  EXPECT_EQ(dispatcher.find(1)->min_advertised, 0);
  EXPECT_EQ(dispatcher.find(1)->min_served, 4);
  // JoinGroup v0, or librdkafka turns groups off.
  EXPECT_EQ(dispatcher.find(11)->min_advertised, 0);
  EXPECT_STREQ(dispatcher.find(11)->name, "JoinGroup");
  // ControlledShutdown v0 has no client id in its header: neither served nor advertised.
  EXPECT_EQ(dispatcher.find(7)->min_advertised, 1);
  EXPECT_EQ(dispatcher.find(99), nullptr);
}

}  // namespace
}  // namespace gregor::api
