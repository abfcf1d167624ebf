#include "broker/auth/api_keys.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "broker/core/string_view.h"

namespace herald::auth {
namespace {

constexpr size_t kMinKeyLength = 16;
constexpr std::string_view kBearer = "Bearer ";

// Compares without an early exit, so response timing does not reveal how much of a guessed
// key matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kPublisher:
      return "publisher";
    case Role::kSubscriber:
      return "subscriber";
  }
  return "unknown";
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kReadTopics:
      return "read topics";
    case Action::kManageTopics:
      return "manage topics";
    case Action::kPublish:
      return "publish";
    case Action::kSubscribe:
      return "subscribe";
    case Action::kAdminister:
      return "administer the node";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "publisher") return Role::kPublisher;
  if (name == "subscriber") return Role::kSubscriber;
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown role '%s'; use admin, publisher or subscriber", AbslView(name)));
}

bool RolePermits(Role role, Action action) {
  switch (role) {
    case Role::kAdmin:
      return true;
    case Role::kPublisher:
      return action == Action::kPublish || action == Action::kReadTopics;
    case Role::kSubscriber:
      return action == Action::kSubscribe || action == Action::kReadTopics;
  }
  return false;
}

absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(std::string_view text) {
  std::vector<ApiKey> keys;
  std::set<std::string> seen;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(AbslView(text), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "api keys line %d: expected '<role> <key>', got %d fields", line_number, fields.size()));
    }
    absl::StatusOr<Role> role = ParseRole(std::string_view(fields[0].data(), fields[0].size()));
    if (!role.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("api keys line %d: %s", line_number, role.status().message()));
    }
    if (fields[1].size() < kMinKeyLength) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "api keys line %d: key is %d characters; use at least %d (e.g. openssl rand -hex 24)",
          line_number, fields[1].size(), kMinKeyLength));
    }
    if (!seen.insert(std::string(fields[1])).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "api keys line %d: key listed twice; give each key one role", line_number));
    }
    keys.push_back({.key = std::string(fields[1]), .role = *role});
  }
  return keys;
}

ApiKeyAuthenticator::ApiKeyAuthenticator(std::vector<ApiKey> keys) : keys_(std::move(keys)) {}

absl::Status ApiKeyAuthenticator::Authorize(std::string_view authorization, Action action) const {
  if (keys_.empty()) return absl::OkStatus();
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials; send metadata 'authorization: Bearer <api key>' "
        "(heraldctl: --token or HERALD_TOKEN)");
  }
  if (authorization.substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("malformed authorization metadata; use 'Bearer <api key>'");
  }
  const std::string_view presented = authorization.substr(kBearer.size());
  // Every key is compared, so the time taken does not depend on which one matched.
  const ApiKey* match = nullptr;
  for (const ApiKey& key : keys_) {
    if (ConstantTimeEquals(key.key, presented)) match = &key;
  }
  if (match == nullptr) {
    return absl::UnauthenticatedError(
        "unknown api key; check the key against the server's api keys file");
  }
  if (!RolePermits(match->role, action)) {
    return absl::PermissionDeniedError(
        absl::StrFormat("role '%s' may not %s; use a key with role %s",
                        AbslView(RoleName(match->role)), AbslView(ActionName(action)),
                        action == Action::kPublish     ? "publisher or admin"
                        : action == Action::kSubscribe ? "subscriber or admin"
                                                       : "admin"));
  }
  return absl::OkStatus();
}

}  // namespace herald::auth
