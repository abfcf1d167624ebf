#include "broker/auth/browser_token.h"

#include <jwt.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace herald::auth {
namespace {

const std::string kSecret = "a-secret-of-at-least-32-bytes-long!!";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// Signs a token the way a backend would.
std::string MakeToken(const std::string& secret, const char* topics, long exp, bool publish,
                      jwt_alg_t alg = JWT_ALG_HS256) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  if (topics) jwt_add_grant(jwt, "topics", topics);
  if (exp) jwt_add_grant_int(jwt, "exp", exp);
  if (publish) jwt_add_grant_bool(jwt, "publish", 1);
  jwt_set_alg(jwt, alg,
              alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  free(encoded);
  jwt_free(jwt);
  return token;
}

TEST(BrowserTokenTest, ValidTokenGrantsItsTopicsAndPublish) {
  BrowserTokenVerifier verifier(kSecret);
  absl::StatusOr<BrowserGrant> grant =
      verifier.Verify(MakeToken(kSecret, "orders prices/*", 1'900'000'000, true), kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_TRUE(grant->publish);
  EXPECT_TRUE(grant->AllowsTopic("orders"));
  EXPECT_TRUE(grant->AllowsTopic("prices/eu"));
  EXPECT_FALSE(grant->AllowsTopic("orders2"));
  EXPECT_FALSE(grant->AllowsTopic("prices"));
}

TEST(BrowserTokenTest, PublishDefaultsToFalse) {
  BrowserTokenVerifier verifier(kSecret);
  absl::StatusOr<BrowserGrant> grant =
      verifier.Verify(MakeToken(kSecret, "t", 1'900'000'000, false), kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_FALSE(grant->publish);
}

TEST(BrowserTokenTest, RefusesForgedExpiredIncompleteAndGarbageTokens) {
  BrowserTokenVerifier verifier(kSecret);
  const std::string other = "another-secret-of-at-least-32-bytes!";
  for (const std::string& token :
       {std::string(), std::string("garbage"), MakeToken(other, "t", 1'900'000'000, false),
        MakeToken(kSecret, "t", 1'700'000'000, false), MakeToken(kSecret, "t", 0, false),
        MakeToken(kSecret, nullptr, 1'900'000'000, false),
        MakeToken(kSecret, "t", 1'900'000'000, false, JWT_ALG_NONE)}) {
    absl::StatusOr<BrowserGrant> grant = verifier.Verify(token, kNow);
    EXPECT_EQ(grant.status().code(), absl::StatusCode::kUnauthenticated) << token;
    EXPECT_NE(grant.status().message().find("Authorization: Bearer"), std::string::npos);
  }
}

}  // namespace
}  // namespace herald::auth
