#include "broker/control/service_environment.h"

#include <string_view>

namespace herald::control {

absl::Status ServiceEnvironment::Authorize(const grpc::CallbackServerContext& context,
                                           auth::Action action) const {
  if (!auth.enabled()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const std::string_view value = it == metadata.end()
                                     ? std::string_view()
                                     : std::string_view(it->second.data(), it->second.size());
  return auth.Authorize(value, action);
}

absl::Status ServiceEnvironment::CheckAcceptingStreams() const {
  if (!draining.load()) return absl::OkStatus();
  return absl::UnavailableError(
      "this node is draining; connect to another node (resume from your last cursor)");
}

}  // namespace herald::control
