#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace gregor::cli {
namespace {

Table sample() {
  return Table{{"TOPIC", "PARTITIONS", "LEADER"}, {{"orders", 3, 0}, {"a", 12, nullptr}}};
}

TEST(OutputTest, TableColumnsAreAlignedToTheWidestCell) {
  std::ostringstream out;
  sample().print(out);
  EXPECT_EQ(out.str(),
            "TOPIC   PARTITIONS  LEADER\n"
            "orders  3           0\n"
            "a       12          -\n");
}

TEST(OutputTest, JsonKeepsTypesAndLowerCasesTheColumns) {
  std::ostringstream out;
  emit(sample(), OutputFormat::kJson, out);
  EXPECT_EQ(out.str(), R"([{"leader":0,"partitions":3,"topic":"orders"},)"
                       R"({"leader":null,"partitions":12,"topic":"a"}])"
                       "\n");
}

}  // namespace
}  // namespace gregor::cli
