#include "broker/session/access.h"

#include "absl/strings/str_format.h"

namespace herald::session {

absl::Status CheckAccess(const auth::BrowserGrant* grant, std::string_view topic, Access access) {
  if (grant == nullptr) return absl::OkStatus();
  if (!grant->AllowsTopic(topic)) {
    return absl::PermissionDeniedError(
        absl::StrFormat("the access token does not grant topic '%s'", topic));
  }
  if (access == Access::kPublish && !grant->publish) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "the access token does not allow publishing (topic '%s'); ask for a token with "
        "\"publish\": true",
        topic));
  }
  return absl::OkStatus();
}

}  // namespace herald::session
