// Generated message code: every version of a filled-in message survives encode -> decode ->
// encode unchanged, flexible versions use compact encodings, and malformed bodies fail cleanly.
#include <gtest/gtest.h>

#include "protocol/messages/api_versions.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/produce.h"

namespace gregor::protocol {
namespace {

template <typename Message>
std::vector<uint8_t> encode(const Message& message, int16_t version) {
  Writer out;
  message.encode(out, version);
  return out.bytes();
}

template <typename Message>
void expect_round_trip(const Message& message) {
  for (int16_t v = Message::kMinVersion; v <= Message::kMaxVersion; ++v) {
    const auto bytes = encode(message, v);
    Message decoded;
    Reader in(bytes);
    decoded.decode(in, v);
    ASSERT_TRUE(in.ok()) << "version " << v;
    EXPECT_EQ(in.remaining(), 0u) << "version " << v;
    EXPECT_EQ(encode(decoded, v), bytes) << "version " << v;
  }
}

MetadataResponse sample_metadata() {
  MetadataResponse m;
  m.throttle_time_ms = 5;
  m.brokers.push_back({1, "localhost", 9092, std::nullopt});
  m.cluster_id = "cluster";
  m.controller_id = 1;
  auto& topic = m.topics.emplace_back();
  topic.name = "orders";
  topic.topic_id = Uuid::random();
  auto& partition = topic.partitions.emplace_back();
  partition.partition_index = 3;
  partition.leader_id = 1;
  partition.replica_nodes = {1, 2};
  partition.isr_nodes = {1};
  return m;
}

TEST(MessagesTest, MetadataRoundTripsAtEveryVersion) {
  expect_round_trip(sample_metadata());
}

TEST(MessagesTest, ProduceRequestRoundTripsAtEveryVersion) {
  static const uint8_t kRecords[] = {1, 2, 3, 4, 5};
  ProduceRequest p;
  p.acks = -1;
  p.timeout_ms = 30000;
  auto& topic = p.topic_data.emplace_back();
  topic.name = "t";
  topic.partition_data.push_back({0, Records::of(ByteView(kRecords))});
  expect_round_trip(p);
}

TEST(MessagesTest, FetchResponseTaggedFieldsOnlyWhenSet) {
  FetchResponse f;
  auto& topic = f.responses.emplace_back();
  topic.topic = "t";
  auto& partition = topic.partitions.emplace_back();
  partition.high_watermark = 10;
  partition.records = Records::of(ByteView{});
  const auto plain = encode(f, 12);
  partition.diverging_epoch.epoch = 3;
  partition.diverging_epoch.end_offset = 7;
  const auto tagged = encode(f, 12);
  EXPECT_GT(tagged.size(), plain.size());
  FetchResponse decoded;
  Reader in(tagged);
  decoded.decode(in, 12);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(decoded.responses[0].partitions[0].diverging_epoch.epoch, 3);
  expect_round_trip(f);
}

TEST(MessagesTest, ApiVersionsRequestV3AsLibrdkafkaSendsIt) {
  // client_software_name and _version as compact strings, then an empty tagged-field section.
  const std::vector<uint8_t> body = {11,  'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f',
                                     'k', 'a', 6,   '2', '.', '0', '.', '2', 0};
  ApiVersionsRequest request;
  Reader in(body);
  request.decode(in, 3);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(request.client_software_name, "librdkafka");
  EXPECT_EQ(request.client_software_version, "2.0.2");
  EXPECT_EQ(encode(request, 3), body);
}

TEST(MessagesTest, TruncatedBodiesFailAtEveryLength) {
  const auto bytes = encode(sample_metadata(), 9);
  for (size_t n = 0; n < bytes.size(); ++n) {
    MetadataResponse decoded;
    Reader in(ByteView(bytes.data(), n));
    decoded.decode(in, 9);
    EXPECT_FALSE(in.ok()) << "length " << n;
  }
}

TEST(MessagesTest, UnknownTaggedFieldsAreSkipped) {
  ApiVersionsRequest request;
  request.client_software_name = "x";
  request.client_software_version = "1";
  auto bytes = encode(request, 3);
  bytes.back() = 1;  // one tagged field follows
  for (uint8_t b : {uint8_t{99}, uint8_t{2}, uint8_t{0xab}, uint8_t{0xcd}})
    bytes.push_back(b);
  ApiVersionsRequest decoded;
  Reader in(bytes);
  decoded.decode(in, 3);
  EXPECT_TRUE(in.ok());
  EXPECT_EQ(in.remaining(), 0u);
  EXPECT_EQ(decoded.client_software_name, "x");
}

}  // namespace
}  // namespace gregor::protocol
