#include "net/response_queue.h"

#include <gtest/gtest.h>

namespace gregor::net {
namespace {

ResponseQueue::Response frame(int32_t marker) {
  protocol::Writer out;
  out.i32(marker);
  return {std::move(out), false};
}

int32_t marker_of(const ResponseQueue::Response& response) {
  protocol::Reader in(response.frame->bytes());
  return in.i32();
}

TEST(ResponseQueueTest, ReleasesResponsesInRequestOrderWhateverOrderTheyCompleteIn) {
  ResponseQueue queue(8);
  const auto a = queue.reserve(), b = queue.reserve(), c = queue.reserve();
  queue.complete(c, frame(3));
  queue.complete(b, frame(2));
  EXPECT_FALSE(queue.pop_ready());  // the first request is still being served
  queue.complete(a, frame(1));
  for (int32_t expected : {1, 2, 3}) {
    auto response = queue.pop_ready();
    ASSERT_TRUE(response);
    EXPECT_EQ(marker_of(*response), expected);
  }
  EXPECT_FALSE(queue.pop_ready());
  EXPECT_TRUE(queue.empty());
}

TEST(ResponseQueueTest, IsFullAtTheInFlightLimitUntilTheOldestIsReleased) {
  ResponseQueue queue(2);
  const auto a = queue.reserve();
  const auto b = queue.reserve();
  EXPECT_TRUE(queue.full());
  queue.complete(b, frame(2));  // a later one completing makes no room
  EXPECT_FALSE(queue.pop_ready());
  EXPECT_TRUE(queue.full());
  queue.complete(a, frame(1));
  ASSERT_TRUE(queue.pop_ready());
  EXPECT_FALSE(queue.full());
}

TEST(ResponseQueueTest, KeepsRequestsWithoutResponseAndClosesInTheirTurn) {
  ResponseQueue queue(8);
  const auto acks0 = queue.reserve(), malformed = queue.reserve(), after = queue.reserve();
  queue.complete(after, frame(3));
  queue.complete(malformed, {std::nullopt, true});
  queue.complete(acks0, {std::nullopt, false});
  auto first = queue.pop_ready();
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->frame);
  EXPECT_FALSE(first->close);
  auto second = queue.pop_ready();
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->close);
}

TEST(ResponseQueueTest, IgnoresCompletionsAfterClearAndSecondCompletions) {
  ResponseQueue queue(8);
  const auto a = queue.reserve();
  queue.complete(a, frame(1));
  queue.complete(a, frame(9));
  EXPECT_EQ(marker_of(*queue.pop_ready()), 1);
  const auto b = queue.reserve();
  queue.clear();
  queue.complete(b, frame(2));  // a handler finishing after the connection closed
  EXPECT_TRUE(queue.empty());
  const auto c = queue.reserve();
  EXPECT_GT(c, b);
  queue.complete(c, frame(3));
  EXPECT_EQ(marker_of(*queue.pop_ready()), 3);
}

}  // namespace
}  // namespace gregor::net
