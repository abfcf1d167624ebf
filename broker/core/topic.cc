#include "broker/core/topic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/utf8.h"

namespace herald {
namespace {

bool IsTopicNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

}  // namespace

absl::Status ValidateTopicName(std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("topic name is empty; use 1 to 200 of [A-Za-z0-9._:/-]");
  }
  if (name.size() > kMaxTopicNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic name is ", name.size(), " characters long; the limit is 200"));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsTopicNameChar(name[i])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("topic name '%s' has a character outside [A-Za-z0-9._:/-] at position %d",
                          name.substr(0, 64), i));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEventType(std::string_view type) {
  if (type.size() > 200) {
    return absl::InvalidArgumentError(
        absl::StrCat("event type is ", type.size(), " bytes long; the limit is 200"));
  }
  if (!IsValidUtf8(type)) {
    return absl::InvalidArgumentError("event type is not valid UTF-8");
  }
  if (type.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "event type contains a CR, LF or NUL; use a single-line name such as 'price.update'");
  }
  return absl::OkStatus();
}

absl::Status ValidateTopicConfig(const TopicConfig& config) {
  if (absl::Status status = ValidateTopicName(config.name); !status.ok()) return status;
  const RetentionPolicy& r = config.retention;
  if (r.max_events == 0 || r.max_events > kMaxRetainedEvents) {
    return absl::InvalidArgumentError(absl::StrCat("retention.max_events of topic '", config.name,
                                                   "' is ", r.max_events, "; use 1 to ",
                                                   kMaxRetainedEvents));
  }
  if (r.max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("retention.max_age of topic '", config.name,
                                                   "' is negative; use 0 for no age limit"));
  }
  return absl::OkStatus();
}

}  // namespace herald
