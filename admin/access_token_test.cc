#include "admin/access_token.h"

#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

std::unique_ptr<jwt_t, JwtFree> Decode(const std::string& token, const std::string& secret) {
  jwt_t* jwt = nullptr;
  if (jwt_decode(&jwt, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 0) {
    return nullptr;
  }
  return std::unique_ptr<jwt_t, JwtFree>(jwt);
}

AccessTokenClaims Claims() {
  return {.topics = {"news.*", "chat"},
          .publish = true,
          .subject = "dev",
          .issued_at = absl::FromUnixSeconds(1700000000),
          .expires_at = absl::FromUnixSeconds(1700003600)};
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(AccessTokenTest, SignsTheClaimsWithHs256) {
  absl::StatusOr<std::string> token = MintAccessToken(kSecret, Claims());
  ASSERT_TRUE(token.ok()) << token.status();
  auto jwt = Decode(*token, kSecret);
  ASSERT_NE(jwt, nullptr);
  EXPECT_EQ(jwt_get_alg(jwt.get()), JWT_ALG_HS256);
  EXPECT_STREQ(jwt_get_grant(jwt.get(), "topics"), "news.* chat");
  EXPECT_EQ(jwt_get_grant_bool(jwt.get(), "publish"), 1);
  EXPECT_STREQ(jwt_get_grant(jwt.get(), "sub"), "dev");
  EXPECT_EQ(jwt_get_grant_int(jwt.get(), "iat"), 1700000000);
  EXPECT_EQ(jwt_get_grant_int(jwt.get(), "exp"), 1700003600);
  EXPECT_EQ(Decode(*token, std::string(32, 'x')), nullptr) << "another secret must not verify it";
}

TEST(AccessTokenTest, LeavesOutAnEmptySubject) {
  AccessTokenClaims claims = Claims();
  claims.subject.clear();
  auto jwt = Decode(*MintAccessToken(kSecret, claims), kSecret);
  ASSERT_NE(jwt, nullptr);
  EXPECT_EQ(jwt_get_grant(jwt.get(), "sub"), nullptr);
}

TEST(AccessTokenTest, RefusesClaimsTheEdgeCouldNotRead) {
  AccessTokenClaims none = Claims();
  none.topics.clear();
  EXPECT_EQ(MintAccessToken(kSecret, none).status().code(), absl::StatusCode::kInvalidArgument);
  AccessTokenClaims spaced = Claims();
  spaced.topics = {"a b"};
  EXPECT_EQ(MintAccessToken(kSecret, spaced).status().code(), absl::StatusCode::kInvalidArgument);
  AccessTokenClaims expired = Claims();
  expired.expires_at = expired.issued_at;
  EXPECT_EQ(MintAccessToken(kSecret, expired).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AccessTokenTest, ReadsTheSecretAsHeralddDoes) {
  const std::string path = TempPath("secret");
  std::ofstream(path) << kSecret << "\r\n";
  EXPECT_EQ(*ReadAccessTokenSecret(path), kSecret);
  const std::string short_path = TempPath("short");
  std::ofstream(short_path) << "too short\n";
  EXPECT_EQ(ReadAccessTokenSecret(short_path).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadAccessTokenSecret(TempPath("missing")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::admin
