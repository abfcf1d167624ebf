#include "broker/auth/browser_token.h"

#include <jwt.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace herald::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

absl::Status Refused(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrFormat(
      "access token refused: %s; send a valid token as 'Authorization: Bearer <token>' or "
      "?access_token=<token>",
      why));
}

}  // namespace

bool BrowserGrant::AllowsTopic(std::string_view topic) const {
  for (const std::string& allowed : topics) {
    if (!allowed.empty() && allowed.back() == '*') {
      if (topic.starts_with(std::string_view(allowed).substr(0, allowed.size() - 1))) {
        return true;
      }
    } else if (topic == allowed) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<BrowserGrant> BrowserTokenVerifier::Verify(std::string_view token,
                                                          absl::Time now) const {
  if (token.empty()) return Refused("no token");
  const std::string text(token);
  jwt_t* raw = nullptr;
  // jwt_decode checks the signature against the key for the algorithm the header names.
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                 static_cast<int>(secret_.size())) != 0 ||
      raw == nullptr) {
    return Refused("malformed, or not signed with this server's secret");
  }
  std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  // "none" and every asymmetric algorithm are refused: only the shared secret signs tokens.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Refused("algorithm is not HS256");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return Refused("no 'exp' claim");
  if (absl::FromUnixSeconds(exp) <= now) return Refused("expired");
  const char* topics = jwt_get_grant(jwt.get(), "topics");
  if (topics == nullptr) return Refused("no 'topics' claim");
  BrowserGrant grant;
  grant.topics = absl::StrSplit(topics, ' ', absl::SkipEmpty());
  errno = 0;
  const int publish = jwt_get_grant_bool(jwt.get(), "publish");
  grant.publish = errno == 0 && publish == 1;
  if (const char* subject = jwt_get_grant(jwt.get(), "sub"); subject != nullptr) {
    grant.subject = subject;
  }
  return grant;
}

}  // namespace herald::auth
