#include "admin/output.h"

#include <sstream>
#include <string>

#include "admin/heraldctl.pb.h"
#include "gtest/gtest.h"

namespace herald::admin {
namespace {

CreatedToken Token() {
  CreatedToken token;
  token.set_token("a.b.c");
  token.add_topics("news.*");
  token.set_subject("tab\there \"quoted\" \x01");
  token.mutable_expires_at()->set_seconds(1700000000);
  return token;
}

TEST(OutputTest, JsonEscapesAsJsonDoesAndPrintsEveryField) {
  EXPECT_EQ(MessageToJson(Token()),
            R"({"token":"a.b.c","topics":["news.*"],"publish":false,)"
            R"("subject":"tab\there \"quoted\" \u0001","expires_at":"2023-11-14T22:13:20Z"})");
}

TEST(OutputTest, PrintsJsonOneDocumentPerLine) {
  std::ostringstream out;
  Printer printer(OutputFormat::kJson, Table::kWithHeaders, out);
  EXPECT_TRUE(printer.structured());
  printer.Print(OneField("deleted", "a\"b"));
  printer.Print(OneField("deleted", "c"));
  EXPECT_EQ(out.str(), "{\"deleted\":\"a\\\"b\"}\n{\"deleted\":\"c\"}\n");
}

TEST(OutputTest, SeparatesYamlDocuments) {
  std::ostringstream out;
  Printer printer(OutputFormat::kYaml, Table::kWithHeaders, out);
  printer.Print(OneField("status", "SERVING"));
  printer.Print(OneField("status", "NOT_SERVING"));
  EXPECT_EQ(out.str(), "status: SERVING\n---\nstatus: NOT_SERVING\n");
}

TEST(OutputTest, TablesHonourNoHeaders) {
  Table table({"NAME"});
  table.AddRow({"orders"});
  std::ostringstream with;
  Printer(OutputFormat::kWide, Table::kWithHeaders, with).Print(table);
  EXPECT_EQ(with.str(), "NAME\norders\n");
  std::ostringstream without;
  Printer printer(OutputFormat::kTable, Table::kNoHeaders, without);
  EXPECT_FALSE(printer.structured());
  EXPECT_FALSE(printer.wide());
  printer.Print(table);
  EXPECT_EQ(without.str(), "orders\n");
}

}  // namespace
}  // namespace herald::admin
