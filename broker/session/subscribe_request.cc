#include "broker/session/subscribe_request.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "broker/core/status_macros.h"
#include "broker/core/topic.h"

namespace herald::session {

absl::StatusOr<Cursor> ParseSubscribeCursor(std::string_view from, std::string_view field,
                                            observe::Metrics* metrics) {
  if (from.empty()) return Cursor();
  absl::StatusOr<Cursor> cursor = Cursor::Parse(from);
  if (!cursor.ok()) {
    if (metrics != nullptr) metrics->resumes_refused().Increment();
    return absl::InvalidArgumentError(absl::StrFormat(
        "bad cursor in %s: %s; pass an event's id unchanged, or leave it out to start from new "
        "events",
        field, cursor.status().message()));
  }
  return cursor;
}

absl::StatusOr<SubscribeRequest> ParseSubscribeRequest(std::vector<std::string> topics,
                                                       std::string_view from,
                                                       const SubscribeRules& rules) {
  if (topics.empty()) {
    return absl::InvalidArgumentError("no topic named; name at least one topic to follow");
  }
  if (topics.size() > rules.max_topics) {
    return absl::InvalidArgumentError(
        absl::StrFormat("a subscription follows at most %d topics (got %d); open another",
                        rules.max_topics, topics.size()));
  }
  std::vector<std::string_view> sorted(topics.begin(), topics.end());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    HERALD_RETURN_IF_ERROR(ValidateTopicName(sorted[i]));
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("topic '%s' is named twice; name each topic once", sorted[i]));
    }
  }
  HERALD_ASSIGN_OR_RETURN(Cursor cursor,
                          ParseSubscribeCursor(from, rules.cursor_field, rules.metrics));
  return SubscribeRequest{.topics = std::move(topics), .from = std::move(cursor)};
}

}  // namespace herald::session
