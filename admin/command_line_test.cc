#include "admin/command_line.h"

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

const std::set<std::string> kValues = {"server", "from", "max-events"};
const std::set<std::string> kSwitches = {"help", "stream"};

TEST(CommandLineTest, SplitsPositionalsValuesAndSwitchesInAnyOrder) {
  absl::StatusOr<CommandLine> line = ParseCommandLine(
      {"--server", "h:1", "tail", "a", "--from=XYZ", "b", "--stream", "--max_events", "5", "-"},
      kValues, kSwitches);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->positional, (std::vector<std::string>{"tail", "a", "b", "-"}));
  EXPECT_EQ(line->Value("server"), "h:1");
  EXPECT_EQ(line->Value("from"), "XYZ");
  EXPECT_EQ(line->Value("max-events"), "5");
  EXPECT_TRUE(line->Has("stream"));
  EXPECT_FALSE(line->Has("help"));
}

TEST(CommandLineTest, DoubleDashEndsFlagsAndDashHIsHelp) {
  absl::StatusOr<CommandLine> line =
      ParseCommandLine({"-h", "publish", "--", "--not-a-flag"}, kValues, kSwitches);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_TRUE(line->Has("help"));
  EXPECT_EQ(line->positional, (std::vector<std::string>{"publish", "--not-a-flag"}));
}

TEST(CommandLineTest, RejectsUnknownFlagsAndMissingValues) {
  absl::Status unknown = ParseCommandLine({"--nope"}, kValues, kSwitches).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("--nope"), std::string::npos);
  EXPECT_FALSE(ParseCommandLine({"--from"}, kValues, kSwitches).ok());
  EXPECT_FALSE(ParseCommandLine({"--stream=yes"}, kValues, kSwitches).ok());
  EXPECT_FALSE(ParseCommandLine({"-x"}, kValues, kSwitches).ok());
}

}  // namespace
}  // namespace herald::admin
