// What an SSE request (GET /v1/sse?topic=A[&topic=B…]) asks for: its topics, the cursor it
// resumes from (the Last-Event-ID header or the last_event_id query parameter) and its Origin.
//
//   absl::StatusOr<SseRequest> parsed = ParseSseRequest(options, request);
//   if (!parsed.ok()) return Refuse(parsed.status());   // 400/403 with the message
#ifndef HERALD_BROKER_EDGE_SSE_SSE_REQUEST_H_
#define HERALD_BROKER_EDGE_SSE_SSE_REQUEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/cursor.h"
#include "broker/edge/edge_options.h"
#include "broker/edge/http_response.h"
#include "broker/observe/metrics.h"

namespace herald::edge::sse {

// What an SSE request asks for, validated.
struct SseRequest {
  std::vector<std::string> topics;
  // Empty: from the next event published.
  Cursor from;
  std::string origin;
};

// Validates the request: at least one topic, at most `options.max_topics_per_subscription`,
// valid names, no topic twice, a cursor that parses (the Last-Event-ID header wins over the
// query parameter: EventSource sends the header on reconnect with the newest id), and an
// allowed Origin. InvalidArgument or PermissionDenied with a message for the client.
absl::StatusOr<SseRequest> ParseSseRequest(const EdgeOptions& options, const Request& request,
                                           observe::Metrics* metrics = nullptr);

}  // namespace herald::edge::sse

#endif  // HERALD_BROKER_EDGE_SSE_SSE_REQUEST_H_
