// The one check of what a browser's access token allows, for SSE streams, WebSocket
// subscribes and WebSocket publishes alike.
//
//   HERALD_RETURN_IF_ERROR(CheckAccess(grant, topic, Access::kSubscribe));
#ifndef HERALD_BROKER_SESSION_ACCESS_H_
#define HERALD_BROKER_SESSION_ACCESS_H_

#include <string_view>

#include "absl/status/status.h"
#include "broker/auth/browser_token.h"

namespace herald::session {

enum class Access { kSubscribe, kPublish };

// PermissionDenied, naming the topic, when `grant` does not cover `access` to `topic`. A
// null grant (the node checks no tokens) allows everything.
absl::Status CheckAccess(const auth::BrowserGrant* grant, std::string_view topic, Access access);

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_ACCESS_H_
