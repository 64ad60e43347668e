#include "cli/message_format.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

MessageFields sample() {
  MessageFields m;
  m.topic = "orders";
  m.partition = 2;
  m.offset = 41;
  m.timestamp = 1700000000000;
  m.key = "k1";
  m.value = "hello";
  m.headers = {{"a", "1"}, {"b", std::nullopt}};
  return m;
}

TEST(MessageFormatTest, ExpandsEveryField) {
  EXPECT_EQ(format_message("%T/%p@%o %t %k=%v [%h] 100%%", sample()),
            "orders/2@41 1700000000000 k1=hello [a=1,b=null] 100%");
}

TEST(MessageFormatTest, NullKeyAndEscapes) {
  auto m = sample();
  m.key.reset();
  EXPECT_EQ(format_message("%k\\t%v\\n", m), "null\thello\n");
  EXPECT_EQ(format_message("%x%", m), "%x%");
}

TEST(MessageFormatTest, Json) {
  auto m = sample();
  m.key.reset();
  EXPECT_EQ(message_json(m),
            R"({"headers":{"a":"1","b":null},"key":null,"offset":41,"partition":2,)"
            R"("timestamp":1700000000000,"topic":"orders","value":"hello"})");
}

TEST(MessageFormatTest, HeadersAndKeys) {
  EXPECT_EQ(parse_header("trace=abc=d"), (std::pair<std::string, std::string>{"trace", "abc=d"}));
  EXPECT_FALSE(parse_header("novalue"));
  EXPECT_FALSE(parse_header("=v"));
  EXPECT_EQ(split_key("user1:hello:world", ":"),
            (std::pair<std::string, std::string>{"user1", "hello:world"}));
  EXPECT_FALSE(split_key("no separator", ":"));
}

}  // namespace
}  // namespace gregor::cli
