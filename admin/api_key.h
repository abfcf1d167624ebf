// API key lines for heraldd's --api_keys_file: the key's SHA-256 and what it may do, so the
// file never holds a key (broker/auth/api_keys.h reads them). tests/integration/
// api_key_line_test.cc checks that heraldd accepts the lines made here and the keys they hash.
//
//   std::string key = GenerateApiKey();
//   absl::StatusOr<std::string> line = ApiKeyLine(key, {.allow = {"publish"},
//                                                       .topics = {"orders.*"}});
#ifndef HERALD_ADMIN_API_KEY_H_
#define HERALD_ADMIN_API_KEY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace herald::admin {

struct ApiKeyScope {
  // publish, subscribe, manage, admin.
  std::vector<std::string> allow;
  // Topic patterns ("orders.*"); empty: every topic.
  std::vector<std::string> topics;
  // Whom refusals name; empty for none.
  std::string name;
};

// 48 hex digits from the system's random source (192 bits).
std::string GenerateApiKey();

// "sha256:<hex> allow=... [topics=...] [name=...]". InvalidArgument for a key shorter than 16
// characters or holding whitespace, an unknown action, no action, or a name or topic holding
// whitespace or ','.
absl::StatusOr<std::string> ApiKeyLine(std::string_view key, const ApiKeyScope& scope);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_API_KEY_H_
