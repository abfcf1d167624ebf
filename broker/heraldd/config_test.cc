#include "broker/heraldd/config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace herald::heraldd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Value(const char* flag) { return absl::FindCommandLineFlag(flag)->CurrentValue(); }

class ConfigTest : public ::testing::Test {
 protected:
  // A config file in the test's folder with `text`; its path.
  std::string Write(const std::string& text, const char* name = "herald.toml") {
    const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
    std::ofstream(path) << text;
    return path;
  }

  // Every flag goes back to its value before the test.
  absl::FlagSaver saver_;
  Config config_;
};

// A fake environment.
Config::Getenv Environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST_F(ConfigTest, EveryFlagOfOptionsIsAConfigKey) {
  const std::string printed = config_.Print();
  int flags = 0;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::EndsWith(flag->Filename(), "broker/heraldd/options.cc")) continue;
    ++flags;
    EXPECT_THAT(printed, HasSubstr(absl::StrCat("\n", name, " = "))) << name;
  }
  EXPECT_GT(flags, 30);
}

TEST_F(ConfigTest, FileSetsFlagsOfEveryType) {
  const std::string path = Write(
      "[edge]\nhttp_port = 9000\nallowed_origins = [\"https://a.example\", \"https://b.example\"]\n"
      "sse_heartbeat = \"3s\"\n[engine]\nauto_create_topics = true\n");
  ASSERT_TRUE(config_.ApplyFile(path).ok());
  EXPECT_EQ(Value("http_port"), "9000");
  EXPECT_EQ(Value("allowed_origins"), "https://a.example,https://b.example");
  EXPECT_EQ(Value("sse_heartbeat"), "3s");
  EXPECT_EQ(Value("auto_create_topics"), "true");
  EXPECT_THAT(config_.Print(), HasSubstr(absl::StrCat("http_port = 9000  # ", path, ":2")));
}

TEST_F(ConfigTest, UnknownKeysAndSectionsAreNamedWithTheirLines) {
  const std::string path =
      Write("[edge]\nhttp_prot = 1\n[control]\nhttp_port = 2\n[nodes]\nshards = 1\n");
  const absl::Status status = config_.ApplyFile(path);
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(path, ":2: edge.http_prot: unknown key")));
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat(path,
                                     ":4: control.http_port: unknown key (did you mean "
                                     "[edge] http_port?)")));
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(path, ":5: unknown section 'nodes'")));
}

TEST_F(ConfigTest, WrongTypesAreNamed) {
  const std::string path = Write(
      "[edge]\nhttp_port = \"80\"\nsse_heartbeat = 15\nallowed_origins = \"x\"\n"
      "[engine]\nauto_create_topics = 1\n[store]\ndata_dir = 3\n[node]\ndrain_timeout = "
      "\"soon\"\n");
  const std::string message(config_.ApplyFile(path).message());
  EXPECT_THAT(message, HasSubstr(":2: edge.http_port: expected an integer"));
  EXPECT_THAT(message, HasSubstr(":3: edge.sse_heartbeat: expected a duration string"));
  EXPECT_THAT(message, HasSubstr(":4: edge.allowed_origins: expected an array of strings"));
  EXPECT_THAT(message, HasSubstr(":6: engine.auto_create_topics: expected a boolean"));
  EXPECT_THAT(message, HasSubstr(":8: store.data_dir: expected a string"));
  EXPECT_THAT(message, HasSubstr(":10: node.drain_timeout: "));
}

TEST_F(ConfigTest, SyntaxErrorsGiveTheirLine) {
  const std::string path = Write("[edge]\nhttp_port = 80\nthis is not toml\n");
  EXPECT_THAT(config_.ApplyFile(path).message(), HasSubstr(absl::StrCat(path, ":3: ")));
}

TEST_F(ConfigTest, MissingFileIsNamed) {
  EXPECT_THAT(config_.ApplyFile("/nonexistent/herald.toml").message(),
              HasSubstr("/nonexistent/herald.toml: cannot read"));
}

TEST_F(ConfigTest, ImpossibleValuesAreNamedWhereTheyWereSet) {
  const std::string path = Write(
      "[edge]\nhttp_port = 70000\n[control]\ngrpc_tls_cert = \"/nonexistent/cert.pem\"\n"
      "[store]\nstore = \"disk\"\n[redis]\nredis_url = \"http://x\"\n");
  ASSERT_TRUE(config_.ApplyFile(path).ok());
  ASSERT_TRUE(config_.ApplyEnvironment(Environment({{"HERALD_SSE_HEARTBEAT", "-1s"}})).ok());
  const std::string message(config_.Validate().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat(path, ":2: edge.http_port = 70000: not a port")));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(path,
                                              ":4: control.grpc_tls_cert = "
                                              "'/nonexistent/cert.pem': cannot read file")));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(
                           path, ":6: store.store = 'disk': use one of: rocksdb, memory")));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(path, ":8: redis.redis_url = 'http://x': ")));
  EXPECT_THAT(message, HasSubstr("HERALD_SSE_HEARTBEAT=-1s: must be above zero"));
}

TEST_F(ConfigTest, DefaultsAreValid) { EXPECT_TRUE(config_.Validate().ok()); }

TEST_F(ConfigTest, EnvironmentOverridesTheFileAndFlagsOverrideBoth) {
  ASSERT_TRUE(config_
                  .ApplyFile(Write("[edge]\nhttp_port = 9000\nhttp_address = \"0.0.0.0\"\n"
                                   "sse_heartbeat = \"5s\"\n"))
                  .ok());
  ASSERT_TRUE(config_
                  .ApplyEnvironment(Environment({{"HERALD_HTTP_PORT", "9100"},
                                                 {"HERALD_SSE_HEARTBEAT", "7s"},
                                                 {"HERALD_SERVER", "heraldctl's, not ours"}}))
                  .ok());
  const char* argv[] = {"heraldd", "--http_port=9200"};
  absl::ParseCommandLine(2, const_cast<char**>(argv));
  config_.NoteCommandLine();
  EXPECT_EQ(Value("http_port"), "9200");
  EXPECT_EQ(Value("sse_heartbeat"), "7s");
  EXPECT_EQ(Value("http_address"), "0.0.0.0");
  const std::string printed = config_.Print();
  EXPECT_THAT(printed, HasSubstr("http_port = 9200  # --http_port"));
  EXPECT_THAT(printed, HasSubstr("sse_heartbeat = '7s'  # HERALD_SSE_HEARTBEAT"));
  EXPECT_THAT(printed, HasSubstr("http_address = '0.0.0.0'  # "));
  EXPECT_THAT(printed, HasSubstr("grpc_port = 50051  # default"));
}

TEST_F(ConfigTest, BadEnvironmentValuesAreNamed) {
  EXPECT_THAT(config_.ApplyEnvironment(Environment({{"HERALD_HTTP_PORT", "eighty"}})).message(),
              HasSubstr("HERALD_HTTP_PORT=eighty: "));
}

TEST_F(ConfigTest, PrintMasksPasswords) {
  ASSERT_TRUE(
      config_.ApplyFile(Write("[redis]\nredis_url = \"redis://app:hunter2@10.0.0.5:6379/1\"\n"))
          .ok());
  EXPECT_THAT(config_.Print(), HasSubstr("redis://app:****@10.0.0.5:6379/1"));
  EXPECT_THAT(config_.Print(), Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, TopicsAreDeclared) {
  const std::string path = Write(
      "[[topics]]\nname = \"orders\"\nmax_events = 5000\nmax_age = \"24h\"\n\n"
      "[[topics]]\nname = \"chat.lobby\"\nallow_browser_publish = true\n");
  ASSERT_TRUE(config_.ApplyFile(path).ok());
  ASSERT_EQ(config_.topics().size(), 2u);
  EXPECT_EQ(config_.topics()[0].config.name, "orders");
  EXPECT_EQ(config_.topics()[0].config.retention.max_events, 5000u);
  EXPECT_EQ(config_.topics()[0].config.retention.max_age, absl::Hours(24));
  EXPECT_EQ(config_.topics()[0].where, absl::StrCat(path, ":1"));
  EXPECT_TRUE(config_.topics()[1].config.allow_browser_publish);
  EXPECT_EQ(config_.topics()[1].config.retention.max_events, 1000u);
  EXPECT_THAT(config_.Print(), HasSubstr("[[topics]]  # "));
}

TEST_F(ConfigTest, BadTopicsAreNamed) {
  const std::string path = Write(
      "[[topics]]\nmax_events = 5\n\n[[topics]]\nname = \"a b\"\n\n[[topics]]\nname = \"x\"\n"
      "max_age = \"often\"\ncolour = \"red\"\n\n[[topics]]\nname = \"y\"\n\n[[topics]]\nname = "
      "\"y\"\n");
  const std::string message(config_.ApplyFile(path).message());
  EXPECT_THAT(message, HasSubstr(":1: topics: a topic needs a name"));
  EXPECT_THAT(message, HasSubstr(":4: topic 'a b': "));
  EXPECT_THAT(message, HasSubstr(":7: topics.max_age: 'often' is not a duration"));
  EXPECT_THAT(message, HasSubstr(":10: topics.colour: unknown key"));
  EXPECT_THAT(message, HasSubstr(":15: topic 'y' is declared twice"));
  EXPECT_TRUE(config_.topics().size() == 1 && config_.topics()[0].config.name == "y");
}

TEST_F(ConfigTest, TheShippedExampleIsValidAndHasEveryKey) {
  const std::string path = "deploy/herald.toml";
  ASSERT_TRUE(config_.ApplyFile(path).ok()) << config_.ApplyFile(path);
  EXPECT_TRUE(config_.Validate().ok()) << config_.Validate();
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::EndsWith(flag->Filename(), "broker/heraldd/options.cc")) continue;
    EXPECT_THAT(text, HasSubstr(absl::StrCat("\n", name, " = "))) << name << " is not in " << path;
  }
}

}  // namespace
}  // namespace herald::heraldd
