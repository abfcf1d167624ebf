#include "broker/auth/api_keys.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace herald::auth {
namespace {

constexpr char kAdminKey[] = "admin-key-0123456789";
constexpr char kPublisherKey[] = "publisher-key-0123456789";
constexpr char kOrdersKey[] = "orders-service-key-0123456789";

std::string Bearer(const char* key) { return absl::StrCat("Bearer ", key); }

ApiKeyAuthenticator Keys() {
  absl::StatusOr<std::vector<ApiKey>> keys = ParseApiKeys(absl::StrCat(
      "# legacy lines\nadmin ", kAdminKey, "\npublisher ", kPublisherKey, "\n\n",
      HashApiKey(kOrdersKey), " allow=publish,subscribe topics=orders.*,audit name=orders\n"));
  EXPECT_TRUE(keys.ok()) << keys.status();
  return ApiKeyAuthenticator(keys.ok() ? *std::move(keys) : std::vector<ApiKey>{});
}

TEST(ApiKeysTest, HashesAreSha256Hex) {
  // echo -n abc | sha256sum
  EXPECT_EQ(HashApiKey("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeysTest, ParsesHashedAndLegacyLines) {
  absl::StatusOr<std::vector<ApiKey>> keys =
      ParseApiKeys(absl::StrCat("# operators\nadmin   ", kAdminKey, "\n  ", HashApiKey(kOrdersKey),
                                "\tallow=manage topics=orders.* name=orders\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].Allows(Action::kAdminister));
  EXPECT_EQ((*keys)[0].name, "line 2");
  EXPECT_EQ((*keys)[0].sha256.size(), 32u);
  EXPECT_EQ((*keys)[1].name, "orders");
  EXPECT_TRUE((*keys)[1].Allows(Action::kManageTopics));
  EXPECT_TRUE((*keys)[1].Allows(Action::kReadTopics));
  EXPECT_FALSE((*keys)[1].Allows(Action::kPublish));
  EXPECT_EQ((*keys)[1].topics, std::vector<std::string>{"orders.*"});
}

TEST(ApiKeysTest, RejectsBadLinesNamingTheLine) {
  const std::string hash = HashApiKey(kOrdersKey);
  absl::Status status =
      ParseApiKeys(absl::StrCat("admin ", kAdminKey, "\nroot x-0123456789abcdef\n")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("line 2"), std::string::npos) << status;
  EXPECT_NE(status.message().find("root"), std::string::npos) << status;
  for (const std::string& text :
       {std::string("admin short\n"), std::string("admin\n"),
        absl::StrCat("admin ", kAdminKey, "\nsubscriber ", kAdminKey, "\n"),
        absl::StrCat(hash, "\n"), absl::StrCat(hash, " allow=delete\n"),
        absl::StrCat(hash, " allow=publish colour=red\n"),
        std::string("sha256:abc allow=publish\n"), absl::StrCat(hash, " allow=admin topics=a\n"),
        absl::StrCat(hash, " allow=publish\n", hash, " allow=subscribe\n")}) {
    absl::Status bad = ParseApiKeys(text).status();
    EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(bad.message().find("api keys line"), std::string::npos) << bad;
  }
}

TEST(ApiKeysTest, NoKeysMeansAuthIsOff) {
  ApiKeyAuthenticator auth({});
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Authorize("", Action::kAdminister).ok());
}

TEST(ApiKeysTest, MissingMalformedOrUnknownKeysAreUnauthenticated) {
  ApiKeyAuthenticator auth = Keys();
  EXPECT_EQ(auth.Authorize("", Action::kReadTopics).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize(kAdminKey, Action::kReadTopics).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize("Bearer admin-key-0123456788", Action::kReadTopics).code(),
            absl::StatusCode::kUnauthenticated);
  // The hash itself is no key.
  EXPECT_EQ(
      auth.Authorize(absl::StrCat("Bearer ", HashApiKey(kOrdersKey)), Action::kReadTopics).code(),
      absl::StatusCode::kUnauthenticated);
}

TEST(ApiKeysTest, LegacyRolesPermitTheirActionsOnly) {
  ApiKeyAuthenticator auth = Keys();
  EXPECT_TRUE(auth.Authorize(Bearer(kAdminKey), Action::kManageTopics, "any").ok());
  EXPECT_TRUE(auth.Authorize(Bearer(kPublisherKey), Action::kPublish, "any").ok());
  EXPECT_TRUE(auth.Authorize(Bearer(kPublisherKey), Action::kReadTopics).ok());
  absl::Status denied = auth.Authorize(Bearer(kPublisherKey), Action::kSubscribe);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("lacks subscribe"), std::string::npos) << denied;
}

TEST(ApiKeysTest, ScopedKeysReachTheirTopicsOnlyAndSayWhatTheyLack) {
  ApiKeyAuthenticator auth = Keys();
  const std::string orders = Bearer(kOrdersKey);
  EXPECT_TRUE(auth.Authorize(orders, Action::kPublish, "orders.eu").ok());
  EXPECT_TRUE(auth.Authorize(orders, Action::kSubscribe, "audit").ok());
  EXPECT_TRUE(auth.Authorize(orders, Action::kPublish).ok());
  EXPECT_TRUE(auth.Authorize(orders, Action::kReadTopics, "payments").ok());
  absl::Status elsewhere = auth.Authorize(orders, Action::kPublish, "payments");
  EXPECT_EQ(elsewhere.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(elsewhere.message(),
            "api key 'orders' lacks publish on topic 'payments'; it may publish on orders.*, "
            "audit");
  absl::Status manage = auth.Authorize(orders, Action::kManageTopics, "orders.eu");
  EXPECT_EQ(manage.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(manage.message().find("lacks manage"), std::string::npos) << manage;
  absl::Status admin = auth.Authorize(orders, Action::kAdminister);
  EXPECT_EQ(admin.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(admin.message().find("allow= has admin"), std::string::npos) << admin;
}

}  // namespace
}  // namespace herald::auth
