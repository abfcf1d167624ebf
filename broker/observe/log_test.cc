#include "broker/observe/log.h"

#include "gtest/gtest.h"

namespace herald::observe {
namespace {

TEST(LogTest, TextLinesAreEventThenKeyValueFields) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, "session_closed",
                          {{"transport", "sse"}, {"delivered", 12}, {"ok", true}}),
            "session_closed transport=sse delivered=12 ok=1");
}

TEST(LogTest, TextValuesWithSpacesQuotesOrNothingAreQuoted) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, "refused",
                          {{"message", "token \"x\" expired"}, {"subject", ""}}),
            R"(refused message="token \"x\" expired" subject="")");
}

TEST(LogTest, JsonLinesAreObjectMembers) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, "session_closed", {{"peer", "1.2.3.4:5\n"}}),
            R"("event":"session_closed","peer":"1.2.3.4:5\n")");
}

TEST(LogTest, ParsesEveryLevelAndRefusesOthers) {
  EXPECT_EQ(*ParseLogLevel("trace"), LogLevel::kTrace);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("off"), LogLevel::kOff);
  absl::StatusOr<LogLevel> bad = ParseLogLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("trace, debug, info"), std::string_view::npos);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

TEST(LogTest, LevelsBelowTheConfiguredOneAreOff) {
  ASSERT_TRUE(ConfigureLogging({.level = LogLevel::kWarn}).ok());
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  ASSERT_TRUE(ConfigureLogging({}).ok());
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
}

TEST(LogTest, AnAccessLogThatCannotBeOpenedIsAnError) {
  absl::Status status = ConfigureLogging({.access_log = "/nonexistent-dir/x/access.log"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(AccessLogEnabled());
}

}  // namespace
}  // namespace herald::observe
