#include "admin/completion.h"

#include <string>

#include "admin/command_line.h"
#include "gtest/gtest.h"

namespace herald::admin {
namespace {

std::optional<Failure> Nothing(Invocation&) { return std::nullopt; }

class CompletionTest : public ::testing::Test {
 protected:
  CompletionTest() : root_("a test tool", "tool"), commands_(root_) {
    root_.add_option("--server", server_)->type_name("HOST:PORT");
    root_.add_option("--context", server_)->type_name("CONTEXT");
    AddChoice(
        root_, "-o,--output", server_,
        std::vector<std::pair<std::string, std::string>>{{"table", "table"}, {"json", "json"}},
        "output");
    CLI::App& topics = commands_.AddGroup(root_, "topics", "manage topics");
    CLI::App& get = commands_.Add(topics, "get", "show a topic", Nothing);
    get.add_option("TOPIC", server_, "the topic");
    get.add_flag("--watch", watch_, "keep watching");
    get.add_option("--file", server_, "a file")->type_name("FILE");
    script_ = BashCompletion(root_);
  }

  CLI::App root_;
  CommandSet commands_;
  std::string server_;
  bool watch_ = false;
  std::string script_;
};

TEST_F(CompletionTest, ListsEachLevelsCommands) {
  EXPECT_NE(script_.find("    '') echo 'topics' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("    'topics') echo 'get' ;;"), std::string::npos) << script_;
}

TEST_F(CompletionTest, ListsEachCommandsFlagsWithTheGlobalOnes) {
  EXPECT_NE(script_.find("    'topics get') echo '-h --help --watch --file --server --context "
                         "-o --output' ;;"),
            std::string::npos)
      << script_;
}

TEST_F(CompletionTest, SaysHowEachFlagsValueCompletes) {
  EXPECT_NE(script_.find("'|--server') echo 'value' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("'|--context') echo 'context' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("'|-o') echo 'choice table json' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("'topics get|--watch') echo 'switch' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("'topics get|--file') echo 'file' ;;"), std::string::npos) << script_;
  EXPECT_NE(script_.find("'topics get') echo 'topic' ;;"), std::string::npos) << script_;
}

TEST_F(CompletionTest, RegistersForTheProgramsName) {
  EXPECT_NE(script_.find("\ncomplete -F _tool tool\n"), std::string::npos) << script_;
  EXPECT_EQ(script_.find("$0"), std::string::npos) << "every placeholder is filled: " << script_;
}

}  // namespace
}  // namespace herald::admin
