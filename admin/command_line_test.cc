#include "admin/command_line.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

enum class Format { kTable, kJson };

std::optional<Failure> Nothing(Invocation&) { return std::nullopt; }

// tool [--server] [-o table|json] topics create NAME [--max-events N]
//                                 publish TOPIC [DATA] [--stream]
//                                 drain
struct Tool {
  Tool() : root("a test tool", "tool"), commands(root) {
    root.add_option("--server", server);
    AddChoice(root, "-o,--output", format,
              std::vector<std::pair<std::string, Format>>{{"table", Format::kTable},
                                                          {"json", Format::kJson}},
              "output");
    CLI::App& topics = commands.AddGroup(root, "topics", "manage topics");
    create = &commands.Add(topics, "create", "create a topic", Nothing);
    create->add_option("NAME", name, "its name")->required();
    create->add_option("--max-events", max_events, "bound")->type_name("N");
    publish = &commands.Add(root, "publish", "publish", Nothing);
    publish->add_option("TOPIC", topic, "the topic")->required();
    publish->add_option("DATA", data, "the data");
    publish->add_flag("--stream", stream, "stream stdin");
    drain = &commands.Add(root, "drain", "drain", Nothing);
  }

  const CLI::App* Chosen(const std::vector<std::string>& args) {
    CommandSet::Parsed parsed = commands.Parse(args);
    if (const Failure* failure = std::get_if<Failure>(&parsed)) {
      ADD_FAILURE() << failure->message;
      return nullptr;
    }
    return std::get<const CLI::App*>(parsed);
  }

  Failure Refused(const std::vector<std::string>& args) {
    CommandSet::Parsed parsed = commands.Parse(args);
    if (const Failure* failure = std::get_if<Failure>(&parsed)) return *failure;
    ADD_FAILURE() << "parsed";
    return {};
  }

  CLI::App root;
  CommandSet commands;
  std::string server;
  Format format = Format::kTable;
  std::string name;
  std::optional<uint64_t> max_events;
  std::string topic;
  std::optional<std::string> data;
  bool stream = false;
  CLI::App* create;
  CLI::App* publish;
  CLI::App* drain;
};

TEST(CommandLineTest, ChoosesTheCommandWithGlobalFlagsBeforeOrAfterIt) {
  Tool tool;
  EXPECT_EQ(tool.Chosen(
                {"--server", "h:1", "topics", "create", "orders", "--max-events=5", "-o", "json"}),
            tool.create);
  EXPECT_EQ(tool.server, "h:1");
  EXPECT_EQ(tool.name, "orders");
  EXPECT_EQ(tool.max_events, 5u);
  EXPECT_EQ(tool.format, Format::kJson);
}

TEST(CommandLineTest, AFlagOfAnotherCommandIsAUsageError) {
  Tool tool;
  Failure failure = tool.Refused({"drain", "--max-events", "5"});
  EXPECT_EQ(failure.code, "USAGE");
  EXPECT_EQ(failure.exit_code, kExitUsage);
  EXPECT_EQ(failure.message, "unknown flag --max-events for tool drain; see tool drain --help");
  EXPECT_NE(Tool().Refused({"drain", "--colour=red"}).message.find("unknown flag --colour for"),
            std::string::npos);
}

TEST(CommandLineTest, PastItsCommandAWordNamingACommandIsAnArgument) {
  Tool tool;
  EXPECT_EQ(tool.Chosen({"publish", "orders", "drain"}), tool.publish);
  EXPECT_EQ(tool.data, "drain");
}

TEST(CommandLineTest, DashIsAnArgumentAndDoubleDashEndsFlags) {
  Tool tool;
  EXPECT_EQ(tool.Chosen({"publish", "orders", "-", "--stream"}), tool.publish);
  EXPECT_EQ(tool.data, "-");
  EXPECT_TRUE(tool.stream);
  Tool other;
  EXPECT_EQ(other.Chosen({"publish", "--", "--not-a-flag"}), other.publish);
  EXPECT_EQ(other.topic, "--not-a-flag");
}

TEST(CommandLineTest, NamesUnknownCommandsAndMissingOnes) {
  EXPECT_EQ(Tool().Refused({"frobnicate"}).message,
            "unknown command 'frobnicate'; run tool --help for the commands");
  EXPECT_EQ(Tool().Refused({"topics", "frob"}).message,
            "unknown command 'tool topics frob'; see tool topics --help for its commands");
  EXPECT_EQ(Tool().Refused({"topics"}).message,
            "tool topics needs a command: create; see tool topics --help");
  EXPECT_EQ(Tool().Refused({"drain", "now"}).message,
            "unexpected argument 'now'; usage: tool drain; see tool drain --help");
  EXPECT_NE(Tool().Refused({"topics", "create"}).message.find("NAME is required"),
            std::string::npos);
}

TEST(CommandLineTest, AChoiceTakesOnlyItsNames) {
  Failure failure = Tool().Refused({"-o", "xml", "drain"});
  EXPECT_EQ(failure.message, "--output: 'xml' is not one of table, json; see tool drain --help");
  // Not the value a name maps to either.
  EXPECT_EQ(Tool().Refused({"-o", "1", "drain"}).code, "USAGE");
}

TEST(CommandLineTest, HelpListsTheTreeFromItsDefinitions) {
  Tool tool;
  CommandSet::Parsed parsed = tool.commands.Parse({"--help"});
  const HelpText& help = std::get<HelpText>(parsed);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.text.find("topics create NAME"), std::string::npos) << help.text;
  EXPECT_NE(help.text.find("publish TOPIC [DATA]"), std::string::npos) << help.text;
  EXPECT_NE(help.text.find("-o,--output table|json"), std::string::npos) << help.text;

  Tool again;
  parsed = again.commands.Parse({"topics", "create", "-h"});
  const std::string& create = std::get<HelpText>(parsed).text;
  EXPECT_NE(create.find("Usage: tool topics create [OPTIONS] NAME"), std::string::npos) << create;
  EXPECT_NE(create.find("--max-events N"), std::string::npos) << create;
  EXPECT_NE(create.find("--server"), std::string::npos) << "global flags are named: " << create;

  EXPECT_EQ(std::get<HelpText>(Tool().commands.Parse({})).exit_code, kExitUsage);
}

TEST(CommandLineTest, NamesCommandsByTheirPath) {
  Tool tool;
  EXPECT_EQ(CommandPath(*tool.create), "tool topics create");
  EXPECT_EQ(CommandPath(tool.root), "tool");
  EXPECT_EQ(Leaves(tool.root),
            (std::vector<const CLI::App*>{tool.create, tool.publish, tool.drain}));
}

}  // namespace
}  // namespace herald::admin
