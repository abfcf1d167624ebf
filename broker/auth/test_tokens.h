// Keys and tokens made with OpenSSL for tests, the way an identity provider would make them:
// RSA 2048 and EC P-256 key pairs, their PEM and JWK forms, and compact JWS tokens.
//
//   TestSigner rsa = TestSigner::Rsa();
//   std::string jwks = Jwks({rsa.Jwk("k1")});
//   std::string token = rsa.Token(R"({"subscribe":["orders"],"exp":1900000000})", "k1");
#ifndef HERALD_BROKER_AUTH_TEST_TOKENS_H_
#define HERALD_BROKER_AUTH_TEST_TOKENS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;

namespace herald::auth {

std::string Base64Url(std::string_view bytes);

// {"keys":[...]} of the given JWK objects.
std::string Jwks(const std::vector<std::string>& jwks);

class TestSigner {
 public:
  static TestSigner Rsa();
  static TestSigner EcP256();
  static TestSigner Hs256(std::string secret);

  // "RS256", "ES256" or "HS256".
  std::string_view algorithm() const { return algorithm_; }
  // The public key as a PEM PUBLIC KEY block (RSA and EC).
  std::string PublicPem() const;
  // The public key as a JWK object with `kid` (HS256: an oct key).
  std::string Jwk(std::string_view kid) const;

  // A token of this header and payload (JSON texts), signed with this key.
  std::string Sign(std::string_view header, std::string_view payload) const;
  // A token of `payload` whose header names this key's algorithm and `kid` (none if empty).
  std::string Token(std::string_view payload, std::string_view kid = {}) const;

 private:
  TestSigner(std::string algorithm, std::shared_ptr<evp_pkey_st> key, std::string secret)
      : algorithm_(std::move(algorithm)), key_(std::move(key)), secret_(std::move(secret)) {}

  std::string algorithm_;
  std::shared_ptr<evp_pkey_st> key_;
  std::string secret_;
};

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_TEST_TOKENS_H_
