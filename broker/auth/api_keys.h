// API keys with roles: who may do what on the control plane. No transport code: the caller
// passes the `authorization` header value and the action it is about to perform.
//
//   HERALD_ASSIGN_OR_RETURN(std::vector<ApiKey> keys, ParseApiKeys(file_text));
//   ApiKeyAuthenticator auth(std::move(keys));
//   HERALD_RETURN_IF_ERROR(auth.Authorize(header_value, Action::kPublish));
#ifndef HERALD_BROKER_AUTH_API_KEYS_H_
#define HERALD_BROKER_AUTH_API_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::auth {

// What a key's holder is. admin may do everything; publisher may publish and read topics;
// subscriber may subscribe and read topics.
enum class Role { kAdmin, kPublisher, kSubscriber };

// What a request is about to do.
enum class Action { kReadTopics, kManageTopics, kPublish, kSubscribe, kAdminister };

std::string_view RoleName(Role role);
std::string_view ActionName(Action action);
// InvalidArgument for anything but "admin", "publisher", "subscriber".
absl::StatusOr<Role> ParseRole(std::string_view name);
bool RolePermits(Role role, Action action);

struct ApiKey {
  std::string key;
  Role role = Role::kSubscriber;
};

// Parses one key per line, "<role> <key>"; blank lines and lines starting with '#' are
// skipped. InvalidArgument naming the line for an unknown role, a missing key, a key shorter
// than 16 characters or a key listed twice.
absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(std::string_view text);

// Checks `authorization` header values against a fixed set of keys. With no keys, every
// request is allowed (auth is off). Thread-safe: immutable after construction.
class ApiKeyAuthenticator {
 public:
  explicit ApiKeyAuthenticator(std::vector<ApiKey> keys);

  bool enabled() const { return !keys_.empty(); }

  // `authorization` is the header value, "Bearer <key>". Unauthenticated when it is missing,
  // malformed or names no key; PermissionDenied when the key's role does not permit
  // `action`. OK when auth is off.
  absl::Status Authorize(std::string_view authorization, Action action) const;

 private:
  std::vector<ApiKey> keys_;
};

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_API_KEYS_H_
