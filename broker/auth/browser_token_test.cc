#include "broker/auth/browser_token.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/auth/test_tokens.h"
#include "gtest/gtest.h"

namespace herald::auth {
namespace {

const std::string kSecret = "a-secret-of-at-least-32-bytes-long!!";
constexpr int64_t kNowSeconds = 1'800'000'000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds);

std::string Claims(std::string_view extra = {}) {
  return absl::StrCat(R"({"subscribe":["orders","prices.*"],"publish":["chat"],"exp":)",
                      kNowSeconds + 600, std::string(extra), "}");
}

// A file under the test's temporary directory holding `text`.
std::string WriteFile(std::string_view name, std::string_view text) {
  const std::string path = absl::StrCat(testing::TempDir(), "/", std::string(name));
  std::ofstream(path) << text;
  return path;
}

std::shared_ptr<BrowserTokenVerifier> Verifier(BrowserTokenOptions options) {
  options.leeway = absl::ZeroDuration();
  absl::StatusOr<std::shared_ptr<BrowserTokenVerifier>> verifier =
      BrowserTokenVerifier::Create(std::move(options));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? *verifier : nullptr;
}

// Verifies `token`, expecting a refusal for `reason` whose message says `says`.
void ExpectRefused(const BrowserTokenVerifier& verifier, const std::string& token,
                   TokenRefusal reason, std::string_view says) {
  TokenRefusal why = TokenRefusal::kMissing;
  absl::StatusOr<BrowserGrant> grant = verifier.Verify(token, kNow, &why);
  EXPECT_EQ(grant.status().code(), absl::StatusCode::kUnauthenticated) << token;
  EXPECT_EQ(TokenRefusalName(why), TokenRefusalName(reason)) << grant.status();
  EXPECT_NE(grant.status().message().find(std::string(says)), std::string::npos) << grant.status();
}

TEST(BrowserTokenTest, Hs256GrantsSubscribeAndPublishTopicsApart) {
  auto verifier = Verifier({.hs256_secret = kSecret});
  absl::StatusOr<BrowserGrant> grant =
      verifier->Verify(TestSigner::Hs256(kSecret).Token(Claims(R"(,"sub":"ann")")), kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_TRUE(grant->AllowsSubscribe("orders"));
  EXPECT_TRUE(grant->AllowsSubscribe("prices.eu"));
  EXPECT_FALSE(grant->AllowsSubscribe("chat"));
  EXPECT_FALSE(grant->AllowsSubscribe("prices"));
  EXPECT_TRUE(grant->AllowsPublish("chat"));
  EXPECT_FALSE(grant->AllowsPublish("orders"));
  EXPECT_EQ(grant->subject, "ann");
  EXPECT_EQ(grant->expires_at, kNow + absl::Seconds(600));
}

TEST(BrowserTokenTest, TheFirstClaimsStillWork) {
  auto verifier = Verifier({.hs256_secret = kSecret});
  const TestSigner signer = TestSigner::Hs256(kSecret);
  absl::StatusOr<BrowserGrant> grant = verifier->Verify(
      signer.Token(absl::StrCat(R"({"topics":"orders news/*","publish":true,"exp":)",
                                kNowSeconds + 60, "}")),
      kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_TRUE(grant->AllowsSubscribe("news/eu"));
  EXPECT_TRUE(grant->AllowsPublish("orders"));
  grant = verifier->Verify(
      signer.Token(absl::StrCat(R"({"topics":"orders","exp":)", kNowSeconds + 60, "}")), kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_TRUE(grant->AllowsSubscribe("orders"));
  EXPECT_FALSE(grant->AllowsPublish("orders"));
}

TEST(BrowserTokenTest, Rs256AndEs256FromPemPublicKeys) {
  const TestSigner rsa = TestSigner::Rsa();
  const TestSigner ec = TestSigner::EcP256();
  auto verifier =
      Verifier({.keys_file = WriteFile("keys.pem", absl::StrCat(rsa.PublicPem(), ec.PublicPem()))});
  for (const TestSigner* signer : {&rsa, &ec}) {
    absl::StatusOr<BrowserGrant> grant = verifier->Verify(signer->Token(Claims()), kNow);
    ASSERT_TRUE(grant.ok()) << signer->algorithm() << ": " << grant.status();
    EXPECT_TRUE(grant->AllowsSubscribe("orders"));
  }
  // Another pair of the same kinds signs nothing this node accepts.
  ExpectRefused(*verifier, TestSigner::Rsa().Token(Claims()), TokenRefusal::kBadSignature,
                "bad signature");
  ExpectRefused(*verifier, TestSigner::EcP256().Token(Claims()), TokenRefusal::kBadSignature,
                "bad signature");
}

TEST(BrowserTokenTest, JwksSelectsTheKeyByKid) {
  const TestSigner first = TestSigner::Rsa();
  const TestSigner second = TestSigner::Rsa();
  const TestSigner ec = TestSigner::EcP256();
  auto verifier = Verifier(
      {.keys_file = WriteFile("jwks.json", Jwks({first.Jwk("k1"), second.Jwk("k2"), ec.Jwk("e1"),
                                                 TestSigner::Hs256(kSecret).Jwk("h1")}))});
  EXPECT_TRUE(verifier->Verify(first.Token(Claims(), "k1"), kNow).ok());
  EXPECT_TRUE(verifier->Verify(second.Token(Claims(), "k2"), kNow).ok());
  EXPECT_TRUE(verifier->Verify(ec.Token(Claims(), "e1"), kNow).ok());
  EXPECT_TRUE(verifier->Verify(TestSigner::Hs256(kSecret).Token(Claims(), "h1"), kNow).ok());
  // The kid picks one key: the other key's signature does not pass under it.
  ExpectRefused(*verifier, first.Token(Claims(), "k2"), TokenRefusal::kBadSignature,
                "bad signature");
  ExpectRefused(*verifier, first.Token(Claims(), "k9"), TokenRefusal::kUnknownKey,
                "unknown key 'k9'");
}

TEST(BrowserTokenTest, RefusesTimesIssuerAndAudienceSayingWhich) {
  const TestSigner signer = TestSigner::Hs256(kSecret);
  auto verifier =
      Verifier({.hs256_secret = kSecret, .issuer = "https://id.example", .audience = "herald"});
  const std::string good = R"(,"iss":"https://id.example","aud":["web","herald"])";
  EXPECT_TRUE(verifier->Verify(signer.Token(Claims(good)), kNow).ok());
  ExpectRefused(*verifier,
                signer.Token(absl::StrCat(R"({"subscribe":"a","exp":)", kNowSeconds, good, "}")),
                TokenRefusal::kExpired, "expired");
  ExpectRefused(*verifier, signer.Token(Claims(absl::StrCat(good, ",\"nbf\":", kNowSeconds + 5))),
                TokenRefusal::kNotYetValid, "not valid before");
  ExpectRefused(*verifier, signer.Token(Claims(absl::StrCat(good, ",\"iat\":", kNowSeconds + 5))),
                TokenRefusal::kNotYetValid, "issued in the future");
  ExpectRefused(*verifier, signer.Token(Claims(R"(,"iss":"https://evil.example","aud":"herald")")),
                TokenRefusal::kWrongIssuer, "wrong issuer");
  ExpectRefused(*verifier, signer.Token(Claims(R"(,"iss":"https://id.example","aud":"other")")),
                TokenRefusal::kWrongAudience, "wrong audience");
  ExpectRefused(
      *verifier,
      signer.Token(absl::StrCat(R"({"subscribe":"a","iss":"https://id.example","aud":"herald"})")),
      TokenRefusal::kMissingClaim, "no 'exp'");
  ExpectRefused(*verifier, signer.Token(absl::StrCat(R"({"exp":)", kNowSeconds + 60, good, "}")),
                TokenRefusal::kMissingClaim, "no 'subscribe'");
  ExpectRefused(*verifier, signer.Token(absl::StrCat(R"({"subscribe":"a","exp":1e300)", good, "}")),
                TokenRefusal::kMalformed, "not a number");
}

TEST(BrowserTokenTest, LeewayAllowsSmallClockSkew) {
  absl::StatusOr<std::shared_ptr<BrowserTokenVerifier>> verifier =
      BrowserTokenVerifier::Create({.hs256_secret = kSecret, .leeway = absl::Seconds(30)});
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const std::string token = TestSigner::Hs256(kSecret).Token(absl::StrCat(
      R"({"subscribe":"a","exp":)", kNowSeconds - 10, ",\"nbf\":", kNowSeconds + 10, "}"));
  absl::StatusOr<BrowserGrant> grant = (*verifier)->Verify(token, kNow);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->expires_at, kNow + absl::Seconds(20));
}

TEST(BrowserTokenTest, RefusesNoneForgedAndAlgorithmConfusion) {
  const TestSigner rsa = TestSigner::Rsa();
  auto verifier = Verifier({.keys_file = WriteFile("rsa.pem", rsa.PublicPem())});
  ExpectRefused(
      *verifier,
      absl::StrCat(Base64Url(R"({"alg":"none","typ":"JWT"})"), ".", Base64Url(Claims()), "."),
      TokenRefusal::kAlgorithm, "algorithm 'none'");
  // The RSA public key, public by definition, used as an HMAC secret: no HS256 key here.
  const TestSigner confused = TestSigner::Hs256(rsa.PublicPem());
  ExpectRefused(*verifier, confused.Token(Claims()), TokenRefusal::kUnknownKey, "no HS256 key");
  // Nor with a secret configured beside the RSA key: the PEM never becomes a secret.
  auto both =
      Verifier({.hs256_secret = kSecret, .keys_file = WriteFile("rsa2.pem", rsa.PublicPem())});
  ExpectRefused(*both, confused.Token(Claims()), TokenRefusal::kBadSignature, "bad signature");
  // An RS256 header over an HMAC: the RSA key does not verify it.
  ExpectRefused(*verifier, confused.Sign(R"({"alg":"RS256"})", Claims()),
                TokenRefusal::kBadSignature, "bad signature");
  ExpectRefused(*verifier, "", TokenRefusal::kMissing, "no token");
  ExpectRefused(*verifier, "garbage", TokenRefusal::kMalformed, "not a JWT");
  std::string tampered = rsa.Token(Claims());
  tampered[tampered.find('.') + 3] ^= 1;
  ExpectRefused(*verifier, tampered, TokenRefusal::kBadSignature, "bad signature");
  EXPECT_NE(verifier->Verify("", kNow).status().message().find("Authorization: Bearer"),
            std::string::npos);
}

TEST(BrowserTokenTest, BadKeyFilesAreRefusedAndReloadKeepsTheOldKeys) {
  EXPECT_FALSE(BrowserTokenVerifier::Create({}).ok());
  EXPECT_FALSE(BrowserTokenVerifier::Create({.hs256_secret = "short"}).ok());
  EXPECT_EQ(BrowserTokenVerifier::Create({.keys_file = "/nonexistent/keys.pem"}).status().code(),
            absl::StatusCode::kNotFound);
  for (const std::string& text :
       {std::string("not a key"), std::string("{\"keys\":[]}"),
        std::string("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQ\"}]}"),
        std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}) {
    absl::Status status =
        BrowserTokenVerifier::Create({.keys_file = WriteFile("bad", text)}).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(status.message().find("access token keys"), std::string::npos) << status;
  }

  const TestSigner first = TestSigner::EcP256();
  const TestSigner second = TestSigner::EcP256();
  const std::string path = WriteFile("rotating.pem", first.PublicPem());
  auto verifier = Verifier({.keys_file = path});
  EXPECT_TRUE(verifier->Verify(first.Token(Claims()), kNow).ok());
  WriteFile("rotating.pem", second.PublicPem());
  ASSERT_TRUE(verifier->Reload().ok());
  EXPECT_FALSE(verifier->Verify(first.Token(Claims()), kNow).ok());
  EXPECT_TRUE(verifier->Verify(second.Token(Claims()), kNow).ok());
  WriteFile("rotating.pem", "broken");
  EXPECT_FALSE(verifier->Reload().ok());
  EXPECT_TRUE(verifier->Verify(second.Token(Claims()), kNow).ok());
}

TEST(BrowserTokenTest, VerifiesWhileAnotherThreadReloads) {
  const TestSigner signer = TestSigner::EcP256();
  auto verifier = Verifier({.keys_file = WriteFile("reloaded.pem", signer.PublicPem())});
  const std::string token = signer.Token(Claims());
  std::atomic<int> granted{0};
  std::vector<std::thread> verifiers;
  for (int t = 0; t < 3; ++t) {
    verifiers.emplace_back([&] {
      for (int i = 0; i < 100; ++i) granted += verifier->Verify(token, kNow).ok() ? 1 : 0;
    });
  }
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(verifier->Reload().ok());
  for (std::thread& thread : verifiers) thread.join();
  EXPECT_EQ(granted.load(), 300);
}

}  // namespace
}  // namespace herald::auth
