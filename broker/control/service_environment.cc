#include "broker/control/service_environment.h"

#include <string_view>

#include "broker/observe/log.h"

namespace herald::control {

absl::StatusOr<const auth::ApiKey*> ServiceEnvironment::AuthorizeKey(
    const grpc::CallbackServerContext& context, auth::Action action) const {
  if (!auth.enabled()) return nullptr;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const std::string_view value = it == metadata.end()
                                     ? std::string_view()
                                     : std::string_view(it->second.data(), it->second.size());
  absl::StatusOr<const auth::ApiKey*> key = auth.Authenticate(value);
  if (!key.ok()) return Refused(context, key.status());
  if (absl::Status permitted = auth::CheckPermitted(*key, action); !permitted.ok()) {
    return Refused(context, permitted);
  }
  return key;
}

absl::Status ServiceEnvironment::Authorize(const grpc::CallbackServerContext& context,
                                           auth::Action action, std::string_view topic) const {
  absl::StatusOr<const auth::ApiKey*> key = AuthorizeKey(context, action);
  if (!key.ok()) return key.status();
  if (absl::Status permitted = auth::CheckPermitted(*key, action, topic); !permitted.ok()) {
    return Refused(context, permitted);
  }
  return absl::OkStatus();
}

absl::Status ServiceEnvironment::Refused(const grpc::CallbackServerContext& context,
                                         absl::Status status) const {
  metrics.auth_failures().Increment();
  observe::Log(
      observe::LogLevel::kWarn, "refused",
      {{"transport", "grpc"},
       {"reason", status.code() == absl::StatusCode::kUnauthenticated ? "unauthenticated"
                                                                      : "permission_denied"},
       {"peer", context.peer()},
       {"message", status.message()}});
  return status;
}

absl::Status ServiceEnvironment::CheckAcceptingStreams() const {
  if (!draining.load()) return absl::OkStatus();
  return absl::UnavailableError(
      "this node is draining; connect to another node (resume from your last cursor)");
}

}  // namespace herald::control
