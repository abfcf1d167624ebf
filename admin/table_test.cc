#include "admin/table.h"

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

TEST(TableTest, AlignsColumnsWithoutTrailingBlanks) {
  Table table({"NAME", "EVENTS", "AGE"});
  table.AddRow({"orders", "42", "1h"});
  table.AddRow({"a", "7"});
  EXPECT_EQ(table.Render(),
            "NAME    EVENTS  AGE\n"
            "orders  42      1h\n"
            "a       7\n");
}

TEST(TableTest, WithoutHeadersAlignsOnlyTheRows) {
  Table table({"TOPIC_NAME", "EVENTS"});
  table.AddRow({"orders", "42"});
  table.AddRow({"a", "7"});
  EXPECT_EQ(table.Render(Table::kNoHeaders),
            "orders  42\n"
            "a       7\n");
}

TEST(TableTest, CountsUtf8CodePointsAsOneColumn) {
  Table table({"K", "V"});
  table.AddRow({"\xc3\xa9t\xc3\xa9", "x"});  // "été": 3 columns, 5 bytes
  EXPECT_EQ(table.Render(), "K    V\n\xc3\xa9t\xc3\xa9  x\n");
}

}  // namespace
}  // namespace herald::admin
