#include "cli/broker_request.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "common/coding.h"
#include "protocol/messages/describe_log_dirs.h"

namespace gregor::cli {
namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

// A one-connection loopback server: reads one request frame, hands it to `answer`, writes back
// what `answer` returns (a whole response frame, or nothing to just close).
class OneShotServer {
 public:
  explicit OneShotServer(std::function<std::vector<uint8_t>(const std::vector<uint8_t>&)> answer) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size);
    ::listen(listener_, 1);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      uint8_t prefix[4];
      if (::recv(fd, prefix, 4, MSG_WAITALL) == 4) {
        const uint32_t size = load_big_endian<uint32_t>(prefix);
        std::vector<uint8_t> request(size);
        ::recv(fd, request.data(), size, MSG_WAITALL);
        const auto response = answer(request);
        ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
      }
      ::close(fd);
    });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::vector<uint8_t> response_frame(int32_t correlation_id, const DescribeLogDirsResponse& body) {
  protocol::Writer out;
  protocol::begin_response(out, correlation_id, false);
  body.encode(out, 1);
  protocol::finish_frame(out);
  return out.bytes();
}

TEST(BrokerRequest, RoundTripThroughTheGeneratedMessages) {
  DescribeLogDirsResponse answer;
  auto& dir = answer.results.emplace_back();
  dir.log_dir = "/data";
  dir.topics.push_back({"orders", {{0, 1234, 0, false}}});
  DescribeLogDirsRequest seen;
  OneShotServer server([&](const std::vector<uint8_t>& frame) {
    protocol::Reader in(protocol::ByteView(frame.data(), frame.size()));
    protocol::RequestHeader header;
    EXPECT_TRUE(protocol::read_header_prefix(in, header));
    protocol::read_header_rest(in, header, false);
    EXPECT_EQ(header.api_key, 35);
    EXPECT_EQ(header.api_version, 1);
    seen.decode(in, 1);
    return response_frame(header.correlation_id, answer);
  });
  DescribeLogDirsRequest request;
  request.topics = std::vector<DescribeLogDirsRequest::DescribableLogDirTopic>{{"orders", {0}}};
  const auto response =
      send_request<DescribeLogDirsResponse>("127.0.0.1", server.port(), request, 1, 5000);
  ASSERT_TRUE(response);
  EXPECT_EQ(*response, answer);
  EXPECT_EQ(seen, request);
}

TEST(BrokerRequest, WrongCorrelationIdIsNoAnswer) {
  OneShotServer server(
      [](const std::vector<uint8_t>&) { return response_frame(77, DescribeLogDirsResponse{}); });
  EXPECT_FALSE(send_request<DescribeLogDirsResponse>("127.0.0.1", server.port(),
                                                     DescribeLogDirsRequest{}, 1, 5000));
}

TEST(BrokerRequest, ClosedOrTruncatedAnswerIsNoAnswer) {
  OneShotServer closes([](const std::vector<uint8_t>&) { return std::vector<uint8_t>{}; });
  EXPECT_FALSE(send_request<DescribeLogDirsResponse>("127.0.0.1", closes.port(),
                                                     DescribeLogDirsRequest{}, 1, 5000));
  OneShotServer truncates([](const std::vector<uint8_t>& frame) {
    protocol::Reader in(protocol::ByteView(frame.data(), frame.size()));
    protocol::RequestHeader header;
    protocol::read_header_prefix(in, header);
    protocol::Writer out;
    protocol::begin_response(out, header.correlation_id, false);
    out.i32(0);  // throttle time, then nothing: the results array is missing
    protocol::finish_frame(out);
    return out.bytes();
  });
  EXPECT_FALSE(send_request<DescribeLogDirsResponse>("127.0.0.1", truncates.port(),
                                                     DescribeLogDirsRequest{}, 1, 5000));
}

TEST(BrokerRequest, NobodyListeningIsNoAnswer) {
  int port = 0;
  {
    OneShotServer server([](const std::vector<uint8_t>&) { return std::vector<uint8_t>{}; });
    port = server.port();
    send_request<DescribeLogDirsResponse>("127.0.0.1", port, DescribeLogDirsRequest{}, 1, 5000);
  }  // closed: the port refuses connections now
  EXPECT_FALSE(
      send_request<DescribeLogDirsResponse>("127.0.0.1", port, DescribeLogDirsRequest{}, 1, 5000));
}

TEST(BrokerRequest, FlexibleVersionsAreNotFramedHere) {
  EXPECT_FALSE(send_request<DescribeLogDirsResponse>("127.0.0.1", 1, DescribeLogDirsRequest{},
                                                     DescribeLogDirsRequest::kFirstFlexible, 100));
}

}  // namespace
}  // namespace gregor::cli
