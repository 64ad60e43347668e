#include "protocol/frame_buffer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "protocol/codec.h"

namespace gregor::protocol {
namespace {

TEST(FrameBufferTest, SizedLikeAVectorAndReadableByReader) {
  FrameBuffer frame(6);
  ASSERT_EQ(frame.size(), 6u);
  const uint8_t bytes[] = {0, 0, 0, 42, 0, 7};
  std::memcpy(frame.data(), bytes, sizeof(bytes));
  Reader in(frame);
  EXPECT_EQ(in.i32(), 42);
  EXPECT_EQ(in.i16(), 7);
  EXPECT_TRUE(in.ok());
  EXPECT_EQ(in.i8(), 0);  // past the end: a sticky failure, as with any buffer
  EXPECT_FALSE(in.ok());
}

TEST(FrameBufferTest, ExplicitValuesAreStillWritten) {
  FrameBuffer frame(3, 9);
  frame.push_back(1);
  ASSERT_EQ(frame.size(), 4u);
  EXPECT_EQ(frame[0], 9);
  EXPECT_EQ(frame[2], 9);
  EXPECT_EQ(frame[3], 1);
  FrameBuffer copy = frame;
  EXPECT_EQ(copy, frame);
}

}  // namespace
}  // namespace gregor::protocol
