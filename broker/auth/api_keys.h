// API keys of the control plane: who may do what, on which topics. No transport code: the
// caller passes the `authorization` header value, the action it is about to perform and the
// topic it concerns.
//
//   HERALD_ASSIGN_OR_RETURN(std::vector<ApiKey> keys, ParseApiKeys(file_text));
//   ApiKeyAuthenticator auth(std::move(keys));
//   HERALD_ASSIGN_OR_RETURN(const ApiKey* key, auth.Authenticate(header_value));
//   HERALD_RETURN_IF_ERROR(CheckPermitted(key, Action::kPublish, "orders.eu"));
//
// The keys file holds a key's SHA-256, never the key (see ParseApiKeys); `heraldctl keys
// hash` makes the lines.
#ifndef HERALD_BROKER_AUTH_API_KEYS_H_
#define HERALD_BROKER_AUTH_API_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::auth {

// The first keys file's roles: admin may do everything; publisher may publish and read
// topics; subscriber may subscribe and read topics.
enum class Role { kAdmin, kPublisher, kSubscriber };

// What a request is about to do. Every key may read topics (GetTopic, ListTopics).
enum class Action { kReadTopics, kManageTopics, kPublish, kSubscribe, kAdminister };

std::string_view ActionName(Action action);

// What a key may do. A value type.
struct ApiKey {
  // The SHA-256 of the key (32 bytes).
  std::string sha256;
  // Whom refusals name: the file's `name=`, else "line N".
  std::string name;
  // Bits of 1 << Action.
  uint32_t actions = 0;
  // Topic patterns (a name ending in '*' is a prefix) that publish, subscribe and manage
  // reach; empty: every topic.
  std::vector<std::string> topics;

  // A key in clear with a role's actions on every topic (tests, and the first file format).
  static ApiKey FromRole(std::string_view key, Role role, std::string name = {});

  bool Allows(Action action) const { return (actions & (1u << static_cast<int>(action))) != 0; }
};

// Parses one key per line; blank lines and lines starting with '#' are skipped.
//   sha256:<64 hex digits> allow=<actions> [topics=<patterns>] [name=<name>]
// actions: comma-separated publish, subscribe, manage (create, update, delete topics) or
// admin (everything, on every topic, and AdminService); patterns: comma-separated topic
// names, one ending in '*' covering every topic with that prefix. The first format,
// "<role> <key>" with the key in clear (roles admin, publisher, subscriber), still parses.
// InvalidArgument naming the line for anything else, a key shorter than 16 characters, or a
// key listed twice.
absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(std::string_view text);

// The SHA-256 of `key` as the keys file writes it: "sha256:" and 64 lowercase hex digits.
std::string HashApiKey(std::string_view key);

// OK when `key` may do `action` on `topic` (an empty topic: on some topic) or `key` is null
// (auth is off); PermissionDenied naming the key, what it lacks and what it has otherwise.
absl::Status CheckPermitted(const ApiKey* key, Action action, std::string_view topic = {});

// Checks `authorization` header values against a fixed set of keys. With no keys, every
// request is allowed (auth is off). Thread-safe: immutable after construction.
class ApiKeyAuthenticator {
 public:
  explicit ApiKeyAuthenticator(std::vector<ApiKey> keys);

  bool enabled() const { return !keys_.empty(); }

  // The key that `authorization` ("Bearer <key>") presents; null when auth is off.
  // Unauthenticated when it is missing, malformed or names no key. The key lives as long as
  // the authenticator.
  absl::StatusOr<const ApiKey*> Authenticate(std::string_view authorization) const;

  // Authenticate, then CheckPermitted.
  absl::Status Authorize(std::string_view authorization, Action action,
                         std::string_view topic = {}) const;

 private:
  std::vector<ApiKey> keys_;
};

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_API_KEYS_H_
