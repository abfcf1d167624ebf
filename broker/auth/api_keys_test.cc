#include "broker/auth/api_keys.h"

#include "gtest/gtest.h"

namespace herald::auth {
namespace {

constexpr char kAdminKey[] = "admin-key-0123456789";
constexpr char kPublisherKey[] = "publisher-key-0123456789";

ApiKeyAuthenticator TwoKeys() {
  return ApiKeyAuthenticator(
      {{.key = kAdminKey, .role = Role::kAdmin}, {.key = kPublisherKey, .role = Role::kPublisher}});
}

TEST(ApiKeysTest, ParsesRolesAndSkipsCommentsAndBlankLines) {
  absl::StatusOr<std::vector<ApiKey>> keys = ParseApiKeys(
      "# operators\nadmin   admin-key-0123456789\n\n  publisher\tpublisher-key-0123456789\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].role, Role::kAdmin);
  EXPECT_EQ((*keys)[0].key, kAdminKey);
  EXPECT_EQ((*keys)[1].role, Role::kPublisher);
}

TEST(ApiKeysTest, RejectsBadLinesNamingTheLine) {
  absl::Status status =
      ParseApiKeys("admin admin-key-0123456789\nroot x-0123456789abcdef\n").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("line 2"), std::string::npos) << status;
  EXPECT_NE(status.message().find("root"), std::string::npos) << status;

  EXPECT_FALSE(ParseApiKeys("admin short\n").ok());
  EXPECT_FALSE(ParseApiKeys("admin\n").ok());
  EXPECT_FALSE(ParseApiKeys("admin admin-key-0123456789\nsubscriber admin-key-0123456789\n").ok());
}

TEST(ApiKeysTest, NoKeysMeansAuthIsOff) {
  ApiKeyAuthenticator auth({});
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Authorize("", Action::kAdminister).ok());
}

TEST(ApiKeysTest, MissingMalformedOrUnknownKeysAreUnauthenticated) {
  ApiKeyAuthenticator auth = TwoKeys();
  EXPECT_EQ(auth.Authorize("", Action::kReadTopics).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize(kAdminKey, Action::kReadTopics).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize("Bearer admin-key-0123456788", Action::kReadTopics).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ApiKeysTest, RolesPermitTheirActionsOnly) {
  ApiKeyAuthenticator auth = TwoKeys();
  const std::string admin = std::string("Bearer ") + kAdminKey;
  const std::string publisher = std::string("Bearer ") + kPublisherKey;
  EXPECT_TRUE(auth.Authorize(admin, Action::kManageTopics).ok());
  EXPECT_TRUE(auth.Authorize(publisher, Action::kPublish).ok());
  EXPECT_TRUE(auth.Authorize(publisher, Action::kReadTopics).ok());
  absl::Status denied = auth.Authorize(publisher, Action::kSubscribe);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("subscriber or admin"), std::string::npos) << denied;
  EXPECT_FALSE(RolePermits(Role::kSubscriber, Action::kPublish));
}

}  // namespace
}  // namespace herald::auth
