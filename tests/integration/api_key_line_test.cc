// heraldctl keys hash (admin/api_key.h) writes the lines heraldd's keys file parser
// (broker/auth/api_keys.h) reads: the format lives in two places, and this test keeps them
// the same.
#include <string>

#include "absl/strings/str_cat.h"
#include "admin/api_key.h"
#include "broker/auth/api_keys.h"
#include "gtest/gtest.h"

namespace herald {
namespace {

TEST(ApiKeyLineTest, HeralddAcceptsTheKeyAHeraldctlLineHashes) {
  const std::string key = admin::GenerateApiKey();
  EXPECT_EQ(key.size(), 48u);
  EXPECT_NE(key, admin::GenerateApiKey());
  absl::StatusOr<std::string> line = admin::ApiKeyLine(
      key, {.allow = {"publish", "subscribe"}, .topics = {"orders.*"}, .name = "orders"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->find(key), std::string::npos) << "the line must not hold the key";
  EXPECT_EQ(line->substr(0, line->find(' ')), auth::HashApiKey(key));

  absl::StatusOr<std::vector<auth::ApiKey>> keys = auth::ParseApiKeys(*line);
  ASSERT_TRUE(keys.ok()) << keys.status();
  auth::ApiKeyAuthenticator authenticator(*std::move(keys));
  const std::string bearer = absl::StrCat("Bearer ", key);
  EXPECT_TRUE(authenticator.Authorize(bearer, auth::Action::kPublish, "orders.eu").ok());
  EXPECT_TRUE(authenticator.Authorize(bearer, auth::Action::kSubscribe, "orders.eu").ok());
  absl::Status elsewhere = authenticator.Authorize(bearer, auth::Action::kPublish, "payments");
  EXPECT_EQ(elsewhere.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(elsewhere.message().find("api key 'orders'"), std::string::npos) << elsewhere;
  EXPECT_EQ(authenticator.Authorize(bearer, auth::Action::kAdminister).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ApiKeyLineTest, AnAdminLineAndBadScopes) {
  absl::StatusOr<std::string> admin =
      admin::ApiKeyLine("an-admin-key-0123456789", {.allow = {"admin"}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  absl::StatusOr<std::vector<auth::ApiKey>> keys = auth::ParseApiKeys(*admin);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE((*keys)[0].Allows(auth::Action::kAdminister));

  EXPECT_FALSE(admin::ApiKeyLine("short", {.allow = {"publish"}}).ok());
  EXPECT_FALSE(admin::ApiKeyLine("a-key-of-enough-length", {.allow = {"delete"}}).ok());
  EXPECT_FALSE(admin::ApiKeyLine("a-key-of-enough-length", {}).ok());
  EXPECT_FALSE(
      admin::ApiKeyLine("a-key-of-enough-length", {.allow = {"publish"}, .name = "two words"})
          .ok());
}

}  // namespace
}  // namespace herald
