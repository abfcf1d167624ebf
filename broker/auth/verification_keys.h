// The keys that verify browsers' access tokens: an HS256 secret, and RS256 / ES256 public
// keys read from a file of PEM `PUBLIC KEY` blocks or from a JWKS document (RFC 7517).
// Each key verifies one algorithm only, whatever a token's header claims: an RSA public key
// is never used as an HMAC secret (algorithm confusion), and "none" has no key at all.
//
//   HERALD_ASSIGN_OR_RETURN(std::vector<VerificationKey> keys, ParseVerificationKeys(text));
//   if (keys[0].Verifies(signing_input, signature)) ...
#ifndef HERALD_BROKER_AUTH_VERIFICATION_KEYS_H_
#define HERALD_BROKER_AUTH_VERIFICATION_KEYS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// OpenSSL's key type, kept out of the header's users.
struct evp_pkey_st;

namespace herald::auth {

// The JWS algorithms the edge accepts.
enum class TokenAlgorithm { kHs256, kRs256, kEs256 };

// "HS256", "RS256", "ES256".
std::string_view TokenAlgorithmName(TokenAlgorithm algorithm);

// A value type; copies share the immutable OpenSSL key.
class VerificationKey {
 public:
  // InvalidArgument for a secret shorter than 32 bytes.
  static absl::StatusOr<VerificationKey> Hs256(std::string secret, std::string kid = {});

  TokenAlgorithm algorithm() const { return algorithm_; }
  // The JWKS `kid`; empty for the secret and for PEM keys.
  const std::string& kid() const { return kid_; }

  // Whether `signature` (the decoded third part of a compact JWS) signs `signing_input`
  // ("<header>.<payload>") under this key and its algorithm. Constant time for HS256.
  bool Verifies(std::string_view signing_input, std::string_view signature) const;

 private:
  friend absl::StatusOr<std::vector<VerificationKey>> ParseVerificationKeys(std::string_view);
  VerificationKey(TokenAlgorithm algorithm, std::string kid) : algorithm_(algorithm), kid_(kid) {}

  TokenAlgorithm algorithm_;
  std::string kid_;
  // HS256.
  std::string secret_;
  // RS256 and ES256.
  std::shared_ptr<evp_pkey_st> public_key_;
};

// The keys of a keys file: PEM `PUBLIC KEY` blocks (RSA of 2048 bits or more, or EC P-256),
// or a JWKS object whose `keys` hold RSA, EC P-256 and `oct` (HS256) keys. JWKS keys whose
// `use` is not "sig", or of another type or curve, are skipped. InvalidArgument, saying what
// is wrong, when the text holds no usable key or a block or key that cannot be read.
absl::StatusOr<std::vector<VerificationKey>> ParseVerificationKeys(std::string_view text);

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_VERIFICATION_KEYS_H_
