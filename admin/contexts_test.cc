#include "admin/contexts.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(ContextsTest, PathFollowsXdgConfigHomeThenHome) {
  EXPECT_EQ(*ContextsPath("/x", "/home/a"), "/x/herald/contexts.json");
  EXPECT_EQ(*ContextsPath("", "/home/a"), "/home/a/.config/herald/contexts.json");
  EXPECT_EQ(*ContextsPath(nullptr, "/home/a"), "/home/a/.config/herald/contexts.json");
  EXPECT_EQ(ContextsPath(nullptr, nullptr).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ContextsTest, AMissingFileHoldsNoContexts) {
  absl::StatusOr<ContextsFile> file = LoadContexts(TempDir() + "/none/contexts.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->contexts().empty());
  EXPECT_EQ(file->current(), "");
}

TEST(ContextsTest, SavesAndLoadsBackOwnerOnly) {
  const std::string path = TempDir() + "/saved/herald/contexts.json";
  ContextsFile file;
  file.set_current("dev");
  Context& dev = (*file.mutable_contexts())["dev"];
  dev.set_server("127.0.0.1:50051");
  dev.set_api_key_file("/keys/dev");
  ASSERT_TRUE(SaveContexts(path, file).ok());

  absl::StatusOr<ContextsFile> loaded = LoadContexts(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->current(), "dev");
  EXPECT_EQ(loaded->contexts().at("dev").server(), "127.0.0.1:50051");
  EXPECT_EQ(loaded->contexts().at("dev").api_key_file(), "/keys/dev");
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST(ContextsTest, RefusesAFileThatIsNotAContextsFile) {
  const std::string path = TempDir() + "/bad.json";
  std::ofstream(path) << R"({"current":"dev","contexts":{"dev":{"sever":"typo"}}})";
  absl::Status status = LoadContexts(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
}

TEST(ContextsTest, FindsTheNamedOrTheCurrentContext) {
  ContextsFile file;
  (*file.mutable_contexts())["dev"].set_server("d:1");
  (*file.mutable_contexts())["prod"].set_server("p:1");
  EXPECT_EQ(*FindContext(file, ""), nullptr);
  file.set_current("dev");
  EXPECT_EQ((*FindContext(file, ""))->server(), "d:1");
  EXPECT_EQ((*FindContext(file, "prod"))->server(), "p:1");
  absl::Status missing = FindContext(file, "nope").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("heraldctl context list"), std::string::npos);
}

TEST(ContextsTest, NamesAreShortAndShellFriendly) {
  EXPECT_TRUE(ValidateContextName("prod-eu.1_a").ok());
  EXPECT_FALSE(ValidateContextName("").ok());
  EXPECT_FALSE(ValidateContextName("a b").ok());
  EXPECT_FALSE(ValidateContextName("a/b").ok());
  EXPECT_FALSE(ValidateContextName(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace herald::admin
