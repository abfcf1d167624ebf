#include "broker/session/access.h"

#include "absl/strings/str_format.h"

namespace herald::session {

absl::Status CheckAccess(const auth::BrowserGrant* grant, std::string_view topic, Access access) {
  if (grant == nullptr) return absl::OkStatus();
  if (access == Access::kSubscribe && !grant->AllowsSubscribe(topic)) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "topic not granted: the access token does not grant subscribing to topic '%s'; ask for "
        "a token whose \"subscribe\" claim lists it",
        topic));
  }
  if (access == Access::kPublish && !grant->AllowsPublish(topic)) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "topic not granted: the access token does not grant publishing to topic '%s'; ask for "
        "a token whose \"publish\" claim lists it",
        topic));
  }
  return absl::OkStatus();
}

}  // namespace herald::session
