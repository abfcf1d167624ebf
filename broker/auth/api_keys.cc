#include "broker/auth/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "broker/auth/topic_patterns.h"
#include "broker/core/string_view.h"

namespace herald::auth {
namespace {

constexpr size_t kMinKeyLength = 16;
constexpr std::string_view kBearer = "Bearer ";
constexpr std::string_view kSha256Prefix = "sha256:";

constexpr uint32_t Bit(Action action) { return 1u << static_cast<int>(action); }

// What every key may do, and what each scope of `allow=` adds.
constexpr uint32_t kEveryKey = Bit(Action::kReadTopics);
constexpr uint32_t kAdmin = kEveryKey | Bit(Action::kManageTopics) | Bit(Action::kPublish) |
                            Bit(Action::kSubscribe) | Bit(Action::kAdminister);

std::string Sha256(std::string_view key) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

absl::StatusOr<uint32_t> ParseScopes(absl::string_view list) {
  uint32_t actions = kEveryKey;
  for (absl::string_view scope : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    if (scope == "publish") {
      actions |= Bit(Action::kPublish);
    } else if (scope == "subscribe") {
      actions |= Bit(Action::kSubscribe);
    } else if (scope == "manage") {
      actions |= Bit(Action::kManageTopics);
    } else if (scope == "admin") {
      actions |= kAdmin;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown action '%s' in allow=; use publish, subscribe, manage or admin", scope));
    }
  }
  if (actions == kEveryKey) {
    return absl::InvalidArgumentError("allow= names no action; e.g. allow=publish");
  }
  return actions;
}

// "sha256:<hex> allow=... [topics=...] [name=...]".
absl::StatusOr<ApiKey> ParseHashedLine(const std::vector<absl::string_view>& fields) {
  ApiKey key;
  const absl::string_view hex = fields[0].substr(kSha256Prefix.size());
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "sha256: takes 64 hex digits (the output of heraldctl keys hash)");
  }
  key.sha256 = absl::HexStringToBytes(hex);
  bool allowed = false;
  for (size_t i = 1; i < fields.size(); ++i) {
    const std::pair<absl::string_view, absl::string_view> field =
        absl::StrSplit(fields[i], absl::MaxSplits('=', 1));
    if (field.first == "allow") {
      absl::StatusOr<uint32_t> actions = ParseScopes(field.second);
      if (!actions.ok()) return actions.status();
      key.actions = *actions;
      allowed = true;
    } else if (field.first == "topics") {
      key.topics = absl::StrSplit(field.second, ',', absl::SkipEmpty());
    } else if (field.first == "name") {
      key.name = std::string(field.second);
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown field '%s'; use allow=, topics= and name=", fields[i]));
    }
  }
  if (!allowed) return absl::InvalidArgumentError("no allow=; e.g. allow=publish");
  if (key.Allows(Action::kAdminister) && !key.topics.empty()) {
    return absl::InvalidArgumentError("admin keys reach every topic; drop topics= or admin");
  }
  return key;
}

// The first format: "<role> <key>", the key in clear.
absl::StatusOr<ApiKey> ParseRoleLine(const std::vector<absl::string_view>& fields) {
  if (fields.size() != 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "expected 'sha256:<hex> allow=<actions>' (or the legacy '<role> <key>'), got %d fields",
        fields.size()));
  }
  Role role;
  if (fields[0] == "admin") {
    role = Role::kAdmin;
  } else if (fields[0] == "publisher") {
    role = Role::kPublisher;
  } else if (fields[0] == "subscriber") {
    role = Role::kSubscriber;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown role '%s'; use admin, publisher or subscriber, or a sha256: line", fields[0]));
  }
  if (fields[1].size() < kMinKeyLength) {
    return absl::InvalidArgumentError(
        absl::StrFormat("key is %d characters; use at least %d (heraldctl keys hash --generate)",
                        fields[1].size(), kMinKeyLength));
  }
  return ApiKey::FromRole(StdView(fields[1]), role);
}

// "publish on orders.*, chat" or "publish on every topic".
std::string Reach(const ApiKey& key, Action action) {
  return absl::StrFormat("%s on %s", AbslView(ActionName(action)),
                         key.topics.empty() ? "every topic" : absl::StrJoin(key.topics, ", "));
}

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kReadTopics:
      return "read topics";
    case Action::kManageTopics:
      return "manage";
    case Action::kPublish:
      return "publish";
    case Action::kSubscribe:
      return "subscribe";
    case Action::kAdminister:
      return "admin";
  }
  return "unknown";
}

ApiKey ApiKey::FromRole(std::string_view key, Role role, std::string name) {
  uint32_t actions = kAdmin;
  if (role == Role::kPublisher) actions = kEveryKey | Bit(Action::kPublish);
  if (role == Role::kSubscriber) actions = kEveryKey | Bit(Action::kSubscribe);
  return {.sha256 = Sha256(key), .name = std::move(name), .actions = actions};
}

std::string HashApiKey(std::string_view key) {
  return absl::StrCat(AbslView(kSha256Prefix), absl::BytesToHexString(Sha256(key)));
}

absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(std::string_view text) {
  std::vector<ApiKey> keys;
  std::set<std::string> seen;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(AbslView(text), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    absl::StatusOr<ApiKey> key = absl::StartsWith(fields[0], AbslView(kSha256Prefix))
                                     ? ParseHashedLine(fields)
                                     : ParseRoleLine(fields);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("api keys line %d: %s", line_number, key.status().message()));
    }
    if (!seen.insert(key->sha256).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "api keys line %d: key listed twice; give each key one line", line_number));
    }
    if (key->name.empty()) key->name = absl::StrFormat("line %d", line_number);
    keys.push_back(*std::move(key));
  }
  return keys;
}

absl::Status CheckPermitted(const ApiKey* key, Action action, std::string_view topic) {
  if (key == nullptr) return absl::OkStatus();
  if (!key->Allows(action)) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "api key '%s' lacks %s; use a key whose allow= has %s", key->name,
        AbslView(ActionName(action)),
        action == Action::kAdminister ? "admin"
                                      : absl::StrCat(AbslView(ActionName(action)), " or admin")));
  }
  if (action == Action::kReadTopics || action == Action::kAdminister || topic.empty() ||
      key->topics.empty() || PatternsAllow(key->topics, topic)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrFormat("api key '%s' lacks %s on topic '%s'; it may %s", key->name,
                      AbslView(ActionName(action)), topic, Reach(*key, action)));
}

ApiKeyAuthenticator::ApiKeyAuthenticator(std::vector<ApiKey> keys) : keys_(std::move(keys)) {}

absl::StatusOr<const ApiKey*> ApiKeyAuthenticator::Authenticate(
    std::string_view authorization) const {
  if (keys_.empty()) return nullptr;
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials; send metadata 'authorization: Bearer <api key>' "
        "(heraldctl: --token or HERALD_TOKEN)");
  }
  if (authorization.substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("malformed authorization metadata; use 'Bearer <api key>'");
  }
  const std::string presented = Sha256(authorization.substr(kBearer.size()));
  // Every key is compared, so the time taken does not depend on which one matched.
  const ApiKey* match = nullptr;
  for (const ApiKey& key : keys_) {
    if (CRYPTO_memcmp(key.sha256.data(), presented.data(), presented.size()) == 0) match = &key;
  }
  if (match == nullptr) {
    return absl::UnauthenticatedError(
        "unknown api key; check the key against the server's api keys file");
  }
  return match;
}

absl::Status ApiKeyAuthenticator::Authorize(std::string_view authorization, Action action,
                                            std::string_view topic) const {
  absl::StatusOr<const ApiKey*> key = Authenticate(authorization);
  if (!key.ok()) return key.status();
  return CheckPermitted(*key, action, topic);
}

}  // namespace herald::auth
