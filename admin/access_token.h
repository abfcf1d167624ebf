// Browser access tokens for local development: HS256 JWTs carrying the claims heraldd's edge
// checks (broker/auth/browser_token.h), signed with the secret of its
// --access_token_secret_file. tests/integration/access_token_test.cc verifies minted tokens
// with the broker's own verifier, so that the two cannot drift apart.
//
//   absl::StatusOr<std::string> secret = ReadAccessTokenSecret("secret.txt");
//   absl::StatusOr<std::string> token = MintAccessToken(*secret, {
//       .topics = {"news.*"}, .publish = true,
//       .issued_at = absl::Now(), .expires_at = absl::Now() + absl::Hours(1)});
#ifndef HERALD_ADMIN_ACCESS_TOKEN_H_
#define HERALD_ADMIN_ACCESS_TOKEN_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace herald::admin {

struct AccessTokenClaims {
  // Topic names; one ending in '*' grants every topic with that prefix.
  std::vector<std::string> topics;
  // May the browser publish (over WebSocket, to topics that allow it).
  bool publish = false;
  // Whom the token is for, shown in heraldctl connections list; empty for none.
  std::string subject;
  absl::Time issued_at;
  absl::Time expires_at;
};

// The token's compact form. InvalidArgument for no topics, a topic name that is empty or
// holds a space (the claim is space-separated), or an expiry not after issue.
absl::StatusOr<std::string> MintAccessToken(std::string_view secret,
                                            const AccessTokenClaims& claims);

// The secret as heraldd reads it: the file without trailing line breaks. InvalidArgument when
// the file cannot be read or the secret is shorter than heraldd accepts (32 bytes).
absl::StatusOr<std::string> ReadAccessTokenSecret(const std::string& path);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_ACCESS_TOKEN_H_
