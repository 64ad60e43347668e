#include "client/blocking_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <thread>

#include "common/coding.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/fetch.h"

namespace gregor::client {
namespace {

using namespace std::chrono_literals;
using protocol::ApiVersionsRequest;
using protocol::ApiVersionsResponse;
using protocol::FetchRequest;
using protocol::FetchResponse;

// What the fake broker does with one request.
struct Reply {
  std::vector<uint8_t> bytes;  // written as they are
  bool close_after = false;    // then close the connection
};
using Answer =
    std::function<std::optional<Reply>(const protocol::RequestHeader&, protocol::Reader& body)>;

bool read_exactly(int fd, uint8_t* data, size_t size) {
  return ::recv(fd, data, size, MSG_WAITALL) == static_cast<ssize_t>(size);
}

// A loopback server for one connection that reads request frames and hands each to `answer`;
// nullopt means "never answer" (the server reads on until the client closes).
class FakeBroker {
 public:
  explicit FakeBroker(Answer answer) : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer = std::move(answer)] { serve(answer); });
  }
  ~FakeBroker() {
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept() if nobody connected
    thread_.join();
    ::close(listener_);
  }
  int32_t port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void serve(const Answer& answer) {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    for (;;) {
      uint8_t prefix[4];
      if (!read_exactly(fd, prefix, sizeof prefix)) break;
      std::vector<uint8_t> frame(load_big_endian<uint32_t>(prefix));
      if (!read_exactly(fd, frame.data(), frame.size())) break;
      ++requests_;
      protocol::Reader in(protocol::ByteView(frame.data(), frame.size()));
      protocol::RequestHeader header;
      protocol::read_header_prefix(in, header);
      const int16_t first_flexible = header.api_key == ApiVersionsRequest::kApiKey
                                         ? ApiVersionsRequest::kFirstFlexible
                                         : FetchRequest::kFirstFlexible;
      protocol::read_header_rest(in, header, header.api_version >= first_flexible);
      const std::optional<Reply> reply = answer(header, in);
      if (!reply) continue;
      ::send(fd, reply->bytes.data(), reply->bytes.size(), MSG_NOSIGNAL);
      if (reply->close_after) break;
    }
    ::close(fd);
  }

  int listener_;
  int32_t port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A thread that runs `action` once `broker` has a request: the client's call is then waiting for
// the answer (or about to).
std::thread once_requested(const FakeBroker& broker, std::function<void()> action) {
  return std::thread([&broker, action = std::move(action)] {
    for (int tries = 0; tries < 10000 && broker.requests() == 0; ++tries) {
      std::this_thread::sleep_for(1ms);
    }
    action();
  });
}

template <typename Response>
std::vector<uint8_t> response_frame(int32_t correlation_id, int16_t version,
                                    const Response& response) {
  protocol::Writer out;
  const bool flexible =
      version >= Response::kFirstFlexible && Response::kApiKey != ApiVersionsResponse::kApiKey;
  protocol::begin_response(out, correlation_id, flexible);
  response.encode(out, version);
  protocol::finish_frame(out);
  return out.bytes();
}

ApiVersionsResponse some_api_versions() {
  ApiVersionsResponse response;
  response.api_keys = {{FetchRequest::kApiKey, 4, 12}, {ApiVersionsRequest::kApiKey, 0, 3}};
  return response;
}

// Answers ApiVersions with some_api_versions() and Fetch with `records` for every partition
// asked for, at the request's version; checks the client id on the way.
std::optional<Reply> answer_like_a_broker(const protocol::RequestHeader& header,
                                          protocol::Reader& body,
                                          const std::vector<uint8_t>& records) {
  EXPECT_EQ(header.client_id, "follower-2");
  if (header.api_key == ApiVersionsRequest::kApiKey) {
    ApiVersionsRequest request;
    request.decode(body, header.api_version);
    EXPECT_TRUE(body.ok());
    return Reply{response_frame(header.correlation_id, header.api_version, some_api_versions())};
  }
  FetchRequest request;
  request.decode(body, header.api_version);
  EXPECT_TRUE(body.ok() && body.remaining() == 0);
  FetchResponse response;
  for (const auto& topic : request.topics) {
    auto& out = response.responses.emplace_back();
    out.topic = topic.topic;
    for (const auto& partition : topic.partitions) {
      auto& data = out.partitions.emplace_back();
      data.partition_index = partition.partition;
      data.high_watermark = partition.fetch_offset + 3;
      data.records = protocol::Records::of(protocol::ByteView(records.data(), records.size()));
    }
  }
  return Reply{response_frame(header.correlation_id, header.api_version, response)};
}

FetchRequest fetch_of(const std::string& topic, int32_t partition, int64_t offset) {
  FetchRequest request;
  request.replica_id = 2;
  request.max_wait_ms = 500;
  request.topics.push_back({topic, {{partition, 7, offset, 6, 0, 1 << 20}}});
  return request;
}

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(i * 7 + 1);
  return bytes;
}

TEST(BlockingClient, ApiVersionsAndFetchRoundTripOnOneConnection) {
  const std::vector<uint8_t> records = pattern(300);
  FakeBroker broker(
      [&](const auto& header, auto& body) { return answer_like_a_broker(header, body, records); });
  BlockingClient client("follower-2");
  std::string error;
  ASSERT_TRUE(client.connect("127.0.0.1", broker.port(), 5s, error)) << error;
  ASSERT_TRUE(client.connected());

  for (const int16_t version : {0, 3}) {  // header v1 / v2 requests; response header always v0
    ApiVersionsResponse versions;
    ASSERT_TRUE(client.call(ApiVersionsRequest::kApiKey, version, ApiVersionsRequest{}, versions,
                            5s, error))
        << error;
    EXPECT_EQ(versions.api_keys, some_api_versions().api_keys);
  }
  for (const int16_t version : {11, 12}) {  // the last classic and the first flexible Fetch
    FetchResponse fetched;
    ASSERT_TRUE(
        client.call(FetchRequest::kApiKey, version, fetch_of("orders", 4, 100), fetched, 5s, error))
        << error;
    ASSERT_EQ(fetched.responses.size(), 1u);
    EXPECT_EQ(fetched.responses[0].topic, "orders");
    const auto& partition = fetched.responses[0].partitions.at(0);
    EXPECT_EQ(partition.partition_index, 4);
    EXPECT_EQ(partition.high_watermark, 103);
    const auto bytes = partition.records.bytes;
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), records);
  }
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(broker.requests(), 4);
}

TEST(BlockingClient, TimesOutWhenTheServerNeverAnswers) {
  FakeBroker broker([](const auto&, auto&) { return std::optional<Reply>(); });
  BlockingClient client("follower-2");
  std::string error;
  ASSERT_TRUE(client.connect("127.0.0.1", broker.port(), 5s, error)) << error;
  ApiVersionsResponse response;
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 3, ApiVersionsRequest{}, response, 200ms, error));
  EXPECT_EQ(error, "timed out waiting for the response");
  EXPECT_FALSE(client.connected());
}

// Runs one ApiVersions v0 call against a server answering with `reply`; returns the error.
std::string error_of_a_call_answered_by(std::function<Reply(int32_t correlation_id)> reply) {
  FakeBroker broker([&](const auto& header, auto&) { return reply(header.correlation_id); });
  BlockingClient client("follower-2");
  std::string error;
  EXPECT_TRUE(client.connect("127.0.0.1", broker.port(), 5s, error)) << error;
  ApiVersionsResponse response;
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 0, ApiVersionsRequest{}, response, 10s, error));
  EXPECT_FALSE(client.connected());
  return error;
}

TEST(BlockingClient, FailsWhenTheServerClosesMidResponse) {
  const std::string error = error_of_a_call_answered_by([](int32_t correlation_id) {
    std::vector<uint8_t> whole = response_frame(correlation_id, 0, some_api_versions());
    whole.resize(whole.size() - 5);
    return Reply{whole, /*close_after=*/true};
  });
  EXPECT_EQ(error, "connection closed by the broker");
}

TEST(BlockingClient, RejectsAGarbageBody) {
  const std::string error = error_of_a_call_answered_by([](int32_t correlation_id) {
    protocol::Writer out;
    protocol::begin_response(out, correlation_id, false);
    out.i16(0);
    out.i32(1000000);  // an api_keys array far longer than the frame
    protocol::finish_frame(out);
    return Reply{out.bytes()};
  });
  EXPECT_EQ(error, "malformed response to API 18 v0");
}

TEST(BlockingClient, RejectsTrailingBytes) {
  const std::string error = error_of_a_call_answered_by([](int32_t correlation_id) {
    protocol::Writer out;
    protocol::begin_response(out, correlation_id, false);
    some_api_versions().encode(out, 0);
    out.i32(42);
    protocol::finish_frame(out);
    return Reply{out.bytes()};
  });
  EXPECT_EQ(error, "malformed response to API 18 v0");
}

TEST(BlockingClient, RejectsAWrongCorrelationId) {
  const std::string error = error_of_a_call_answered_by([](int32_t correlation_id) {
    return Reply{response_frame(correlation_id + 5, 0, some_api_versions())};
  });
  EXPECT_EQ(error, "correlation id 6 in the response, expected 1");
}

TEST(BlockingClient, RejectsImpossibleSizes) {
  for (const int32_t size : {-1, 3, BlockingClient::kMaxResponseBytes + 1}) {
    const std::string error = error_of_a_call_answered_by([size](int32_t correlation_id) {
      protocol::Writer out;
      out.i32(size);
      out.i32(correlation_id);
      return Reply{out.bytes()};
    });
    EXPECT_EQ(error, "response size " + std::to_string(size) + " out of range");
  }
}

TEST(BlockingClient, InterruptEndsABlockedCallAndEveryLaterOne) {
  FakeBroker broker([](const auto&, auto&) { return std::optional<Reply>(); });
  BlockingClient client("follower-2");
  std::string error;
  ASSERT_TRUE(client.connect("127.0.0.1", broker.port(), 5s, error)) << error;
  std::thread stopper = once_requested(broker, [&] { client.interrupt(); });
  ApiVersionsResponse response;
  // The 60 s timeout only bounds the test: interrupt() ends the wait.
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 3, ApiVersionsRequest{}, response, 60s, error));
  stopper.join();
  EXPECT_EQ(error, "interrupted waiting for the response");
  EXPECT_FALSE(client.connect("127.0.0.1", broker.port(), 5s, error));
  EXPECT_EQ(error, "connect to 127.0.0.1:" + std::to_string(broker.port()) + ": interrupted");
}

TEST(BlockingClient, GivesUpAtTheMomentSetUntilItIsLifted) {
  FakeBroker broker([](const auto&, auto&) { return std::optional<Reply>(); });
  BlockingClient client("follower-2");
  std::string error;
  ASSERT_TRUE(client.connect("127.0.0.1", broker.port(), 5s, error)) << error;
  std::thread hurrier =
      once_requested(broker, [&] { client.give_up_at(std::chrono::steady_clock::now() + 20ms); });
  ApiVersionsResponse response;
  // The 60 s timeout only bounds the test: the moment set ends the wait.
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 3, ApiVersionsRequest{}, response, 60s, error));
  hurrier.join();
  EXPECT_EQ(error, "gave up waiting for the response");
  EXPECT_FALSE(client.connected());

  // A moment already past ends the next call before it sends; max() takes it back.
  const auto answering = [](const protocol::RequestHeader& header, auto&) {
    return std::optional<Reply>(
        Reply{response_frame(header.correlation_id, header.api_version, some_api_versions())});
  };
  FakeBroker second(answering);
  ASSERT_TRUE(client.connect("127.0.0.1", second.port(), 5s, error)) << error;
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 3, ApiVersionsRequest{}, response, 60s, error));
  EXPECT_EQ(error, "gave up sending the request");
  EXPECT_EQ(second.requests(), 0);
  client.give_up_at(std::chrono::steady_clock::time_point::max());
  FakeBroker third(answering);  // a fake broker serves one connection
  ASSERT_TRUE(client.connect("127.0.0.1", third.port(), 5s, error)) << error;
  EXPECT_TRUE(
      client.call(ApiVersionsRequest::kApiKey, 3, ApiVersionsRequest{}, response, 60s, error))
      << error;
  EXPECT_EQ(response.api_keys.size(), 2u);
  client.close();  // before `third` goes: it serves until its client leaves
}

TEST(BlockingClient, ReportsARefusedConnection) {
  int32_t port = 0;
  {
    FakeBroker closed([](const auto&, auto&) { return std::optional<Reply>(); });
    port = closed.port();
  }  // nothing listens on the port any more
  BlockingClient client("follower-2");
  std::string error;
  EXPECT_FALSE(client.connect("127.0.0.1", port, 5s, error));
  EXPECT_EQ(error, "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_FALSE(client.connected());
}

TEST(BlockingClient, RefusesMisuseWithoutSending) {
  BlockingClient client("follower-2");
  std::string error;
  ApiVersionsResponse response;
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 0, ApiVersionsRequest{}, response, 1s, error));
  EXPECT_EQ(error, "API 18 v0: not connected");
  EXPECT_FALSE(
      client.call(ApiVersionsRequest::kApiKey, 9, ApiVersionsRequest{}, response, 1s, error));
  EXPECT_EQ(error, "API 18 v9: unknown version");
  EXPECT_FALSE(client.call(FetchRequest::kApiKey, 0, ApiVersionsRequest{}, response, 1s, error));
  EXPECT_EQ(error, "API 1 v0: not the request's API");
}

}  // namespace
}  // namespace gregor::client
