// heraldctl's minted tokens (admin/access_token.h) are what the edge's verifier
// (broker/auth/browser_token.h) accepts: the claim names and formats live in two places, and
// this test is what keeps them the same.
#include "admin/access_token.h"

#include <string>

#include "broker/auth/browser_token.h"
#include "gtest/gtest.h"

namespace herald {
namespace {

const std::string kSecret = "an HS256 secret of 32 bytes or more";

// The edge's verifier of the secret, without leeway, so expiry is exact.
std::shared_ptr<auth::BrowserTokenVerifier> Verifier(const std::string& secret = kSecret) {
  return *auth::BrowserTokenVerifier::Create(
      {.hs256_secret = secret, .leeway = absl::ZeroDuration()});
}

admin::AccessTokenClaims Claims(absl::Time now) {
  return {.topics = {"news.*", "chat"},
          .publish = true,
          .subject = "dev-laptop",
          .issued_at = now,
          .expires_at = now + absl::Hours(1)};
}

TEST(AccessTokenTest, TheEdgeGrantsWhatHeraldctlMinted) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<std::string> token = admin::MintAccessToken(kSecret, Claims(now));
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<auth::BrowserGrant> grant = Verifier()->Verify(*token, now + absl::Minutes(59));
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->subscribe, (std::vector<std::string>{"news.*", "chat"}));
  EXPECT_TRUE(grant->AllowsPublish("chat"));
  EXPECT_EQ(grant->subject, "dev-laptop");
  EXPECT_EQ(grant->expires_at, now + absl::Hours(1));
  EXPECT_TRUE(grant->AllowsSubscribe("news.eu"));
  EXPECT_TRUE(grant->AllowsSubscribe("chat"));
  EXPECT_FALSE(grant->AllowsSubscribe("orders"));
}

TEST(AccessTokenTest, PublishIsGrantedOnlyWhenAskedFor) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  admin::AccessTokenClaims claims = Claims(now);
  claims.publish = false;
  claims.subject.clear();
  absl::StatusOr<auth::BrowserGrant> grant =
      Verifier()->Verify(*admin::MintAccessToken(kSecret, claims), now);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_FALSE(grant->AllowsPublish("chat"));
  EXPECT_EQ(grant->subject, "");
}

TEST(AccessTokenTest, TheEdgeRefusesItOnceExpiredOrUnderAnotherSecret) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  const std::string token = *admin::MintAccessToken(kSecret, Claims(now));
  EXPECT_EQ(Verifier()->Verify(token, now + absl::Hours(1)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Verifier("another secret of 32 bytes or more")->Verify(token, now).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace herald
