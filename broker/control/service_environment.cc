#include "broker/control/service_environment.h"

#include <string_view>

#include "broker/observe/log.h"

namespace herald::control {

absl::Status ServiceEnvironment::Authorize(const grpc::CallbackServerContext& context,
                                           auth::Action action) const {
  if (!auth.enabled()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const std::string_view value = it == metadata.end()
                                     ? std::string_view()
                                     : std::string_view(it->second.data(), it->second.size());
  absl::Status status = auth.Authorize(value, action);
  if (!status.ok()) {
    metrics.auth_failures().Increment();
    observe::Log(
        observe::LogLevel::kWarn, "refused",
        {{"transport", "grpc"},
         {"reason", status.code() == absl::StatusCode::kUnauthenticated ? "unauthenticated"
                                                                        : "permission_denied"},
         {"peer", context.peer()},
         {"message", status.message()}});
  }
  return status;
}

absl::Status ServiceEnvironment::CheckAcceptingStreams() const {
  if (!draining.load()) return absl::OkStatus();
  return absl::UnavailableError(
      "this node is draining; connect to another node (resume from your last cursor)");
}

}  // namespace herald::control
