#include "broker/engine/options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/status_macros.h"

namespace herald::engine {

absl::Status CheckPublish(const PublishRequest& request, const EngineOptions& options) {
  HERALD_RETURN_IF_ERROR(ValidateTopicName(request.topic));
  HERALD_RETURN_IF_ERROR(ValidateEventType(request.type));
  const size_t bytes = request.type.size() + request.data.size();
  if (bytes > options.max_event_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("event of ", bytes, " bytes exceeds the limit of ", options.max_event_bytes,
                     " bytes; split it or raise the broker's max event size"));
  }
  return absl::OkStatus();
}

absl::Status TopicNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrFormat(
      "topic '%s' not found; create it with heraldctl topics create %s", name, name));
}

}  // namespace herald::engine
