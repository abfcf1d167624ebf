// The one reading of a subscribe request, whichever transport or API it came through: SSE's
// query and Last-Event-ID, WebSocket's subscribe op, gRPC's SubscribeRequest and
// herald::Broker::Subscribe all end here, so a request is valid or not the same way
// everywhere and its errors read the same.
//
//   HERALD_ASSIGN_OR_RETURN(SubscribeRequest request,
//       ParseSubscribeRequest(topics, from, {.cursor_field = "from", .max_topics = 64}));
#ifndef HERALD_BROKER_SESSION_SUBSCRIBE_REQUEST_H_
#define HERALD_BROKER_SESSION_SUBSCRIBE_REQUEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/cursor.h"
#include "broker/observe/metrics.h"

namespace herald::session {

struct SubscribeRules {
  // Where the cursor came from, as the client wrote it ("from", "Last-Event-ID"): named in
  // the error for a bad cursor.
  std::string_view cursor_field = "from";
  // Topics one subscription may follow.
  size_t max_topics = Cursor::kMaxEntries;
  // Where a cursor that does not parse is counted (herald_resumes_refused_total); null:
  // nowhere.
  observe::Metrics* metrics = nullptr;
};

struct SubscribeRequest {
  std::vector<std::string> topics;
  // Empty: from the next event published.
  Cursor from;
};

// The cursor a subscribe request resumes from; empty `from`: an empty cursor (new events
// only). InvalidArgument naming `field` when it does not parse.
absl::StatusOr<Cursor> ParseSubscribeCursor(std::string_view from, std::string_view field,
                                            observe::Metrics* metrics = nullptr);

// InvalidArgument, saying what to change, for no topic, more than `rules.max_topics`, a bad
// topic name, a topic named twice, or a cursor that does not parse. `from` empty: new events
// only.
absl::StatusOr<SubscribeRequest> ParseSubscribeRequest(std::vector<std::string> topics,
                                                       std::string_view from,
                                                       const SubscribeRules& rules);

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_SUBSCRIBE_REQUEST_H_
