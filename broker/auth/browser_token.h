// Browser access tokens: JWTs (HS256, RS256 or ES256) that say which topics a browser may
// follow and which it may publish to, until when. EventSource cannot set headers, so the edge
// takes them from `Authorization: Bearer` or the `access_token` query parameter.
//
//   HERALD_ASSIGN_OR_RETURN(std::shared_ptr<BrowserTokenVerifier> verifier,
//                           BrowserTokenVerifier::Create({.keys_file = "jwks.json"}));
//   TokenRefusal why;
//   absl::StatusOr<BrowserGrant> grant = verifier->Verify(token, absl::Now(), &why);
//   if (grant.ok() && grant->AllowsSubscribe("orders")) ...
//
// Claims: `subscribe` and `publish` (topic patterns: a JSON array of strings or one
// space-separated string; a pattern ending in '*' is a prefix), `exp` (required), `nbf` and
// `iat` (checked when present), `iss` and `aud` (checked when the verifier is configured
// with them), `sub`. The first claims still work: `topics` (space-separated patterns, granted
// for subscribing) with `publish: true` (publishing to those same topics).
#ifndef HERALD_BROKER_AUTH_BROWSER_TOKEN_H_
#define HERALD_BROKER_AUTH_BROWSER_TOKEN_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "broker/auth/topic_patterns.h"
#include "broker/auth/verification_keys.h"
#include "broker/core/mutex.h"

namespace herald::auth {

// Why a token was refused, for counting; the status message says it to the client.
enum class TokenRefusal {
  kMissing,
  kMalformed,
  kAlgorithm,
  kUnknownKey,
  kBadSignature,
  kExpired,
  kNotYetValid,
  kWrongIssuer,
  kWrongAudience,
  kMissingClaim,
};
inline constexpr size_t kTokenRefusals = 10;

// "missing", "malformed", "algorithm", "unknown_key", "bad_signature", "expired",
// "not_yet_valid", "wrong_issuer", "wrong_audience", "missing_claim".
std::string_view TokenRefusalName(TokenRefusal refusal);

// What a verified token allows. A value type.
struct BrowserGrant {
  std::vector<std::string> subscribe;
  std::vector<std::string> publish;
  // The token's `sub` claim (whom it was issued to); empty when it has none.
  std::string subject;
  // From then on the token no longer holds (its `exp` plus the verifier's leeway): sessions
  // opened with it end then unless they are given a new one.
  absl::Time expires_at = absl::InfiniteFuture();

  bool AllowsSubscribe(std::string_view topic) const { return PatternsAllow(subscribe, topic); }
  bool AllowsPublish(std::string_view topic) const { return PatternsAllow(publish, topic); }
};

struct BrowserTokenOptions {
  // The HS256 secret itself, or a file holding it (trailing line breaks are dropped); 32
  // bytes or more.
  std::string hs256_secret;
  std::string hs256_secret_file;
  // PEM public keys or a JWKS document (see ParseVerificationKeys).
  std::string keys_file;
  // When set, tokens must carry this `iss`, and this `aud` (one of theirs, if a list).
  std::string issuer;
  std::string audience;
  // Clock skew allowed between the token's issuer and this node, on `exp`, `nbf` and `iat`.
  absl::Duration leeway = absl::Seconds(30);

  // Whether any key is named: the edge then checks tokens.
  bool HasKeys() const {
    return !hs256_secret.empty() || !hs256_secret_file.empty() || !keys_file.empty();
  }
};

// Thread-safe. Reload() swaps the key set while other threads verify.
class BrowserTokenVerifier {
 public:
  // Reads the files of `options`. InvalidArgument or NotFound, naming the file, when one
  // cannot be read or holds no usable key; InvalidArgument when no key is given at all.
  static absl::StatusOr<std::shared_ptr<BrowserTokenVerifier>> Create(BrowserTokenOptions options);

  // Unauthenticated, saying what is wrong (and `*refusal`, when given, saying it for
  // counting): a missing or malformed token, `alg` other than HS256, RS256 and ES256 (so
  // "none"), no key for its `kid` and algorithm, a bad signature, expired, not yet valid, a
  // wrong issuer or audience, or no `exp` or topic claims.
  absl::StatusOr<BrowserGrant> Verify(std::string_view token, absl::Time now,
                                      TokenRefusal* refusal = nullptr) const;

  // Reads the files again. On an error the keys in use stay.
  absl::Status Reload();

 private:
  using Keys = std::vector<VerificationKey>;
  explicit BrowserTokenVerifier(BrowserTokenOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::shared_ptr<const Keys>> ReadKeys() const;
  std::shared_ptr<const Keys> keys() const;

  const BrowserTokenOptions options_;
  mutable Mutex mutex_;
  std::shared_ptr<const Keys> keys_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_BROWSER_TOKEN_H_
