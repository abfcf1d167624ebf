#include "admin/access_token.h"

#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace herald::admin {
namespace {

// heraldd refuses shorter secrets (--access_token_secret_file).
constexpr size_t kMinSecretBytes = 32;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

// libjwt 1.10 has no jwt_free_str: its strings are malloc'd.
struct StringFree {
  void operator()(char* s) const { std::free(s); }
};

absl::Status CheckClaims(const AccessTokenClaims& claims) {
  if (claims.topics.empty()) {
    return absl::InvalidArgumentError("a token needs at least one topic; pass --topics");
  }
  for (const std::string& topic : claims.topics) {
    if (topic.empty() || topic.find(' ') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("topic '%s' cannot go into a token: names are not empty and hold no "
                          "spaces",
                          topic));
    }
  }
  if (claims.expires_at <= claims.issued_at) {
    return absl::InvalidArgumentError(
        "a token must expire after it is issued; pass a --ttl above 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> MintAccessToken(std::string_view secret,
                                            const AccessTokenClaims& claims) {
  if (absl::Status status = CheckClaims(claims); !status.ok()) return status;
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("out of memory making a token");
  std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  const std::string topics = absl::StrJoin(claims.topics, " ");
  int failed =
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size()));
  failed = failed || jwt_add_grant(jwt.get(), "topics", topics.c_str());
  failed = failed || jwt_add_grant_bool(jwt.get(), "publish", claims.publish ? 1 : 0);
  failed = failed || jwt_add_grant_int(jwt.get(), "iat", absl::ToUnixSeconds(claims.issued_at));
  failed = failed || jwt_add_grant_int(jwt.get(), "exp", absl::ToUnixSeconds(claims.expires_at));
  if (!claims.subject.empty()) {
    failed = failed || jwt_add_grant(jwt.get(), "sub", claims.subject.c_str());
  }
  if (failed) return absl::InternalError("libjwt refused the token's claims");
  std::unique_ptr<char, StringFree> encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return absl::InternalError("libjwt could not sign the token");
  return std::string(encoded.get());
}

absl::StatusOr<std::string> ReadAccessTokenSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrFormat("cannot read token secret file '%s'", path));
  }
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("token secret in '%s' is %d bytes; heraldd needs at least %d", path,
                        secret.size(), kMinSecretBytes));
  }
  return secret;
}

}  // namespace herald::admin
