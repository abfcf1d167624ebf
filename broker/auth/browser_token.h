// Browser access tokens: HS256 JWTs that say which topics a browser may follow and whether it
// may publish. EventSource cannot set headers, so the edge takes them from
// `Authorization: Bearer` or the `access_token` query parameter.
//
//   BrowserTokenVerifier verifier(secret);
//   absl::StatusOr<BrowserGrant> grant = verifier.Verify(token, absl::Now());
//   if (grant.ok() && grant->AllowsTopic("orders")) ...
//
// Claims: `topics` (space-separated topic names; a name ending in '*' is a prefix),
// `publish` (bool, default false), `exp` (seconds since the epoch; required).
#ifndef HERALD_BROKER_AUTH_BROWSER_TOKEN_H_
#define HERALD_BROKER_AUTH_BROWSER_TOKEN_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace herald::auth {

// What a verified token allows. A value type.
struct BrowserGrant {
  std::vector<std::string> topics;
  bool publish = false;
  // The token's `sub` claim (whom it was issued to); empty when it has none.
  std::string subject;

  bool AllowsTopic(std::string_view topic) const;
};

// Thread-safe (immutable).
class BrowserTokenVerifier {
 public:
  explicit BrowserTokenVerifier(std::string hs256_secret) : secret_(std::move(hs256_secret)) {}

  // Unauthenticated, saying what is wrong, for a missing, malformed, forged, non-HS256 or
  // expired token, or one without `exp` or `topics`.
  absl::StatusOr<BrowserGrant> Verify(std::string_view token, absl::Time now) const;

 private:
  std::string secret_;
};

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_BROWSER_TOKEN_H_
