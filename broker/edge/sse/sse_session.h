// The Server-Sent Events session: GET /v1/sse?topic=A[&topic=B…] streams every event of the
// topics as `text/event-stream`, resuming from the Last-Event-ID header or the
// last_event_id query parameter.
//
//   // In the edge's connection coroutine, on the connection's shard:
//   sse::StartSseSession(context, std::move(socket), request, std::move(lease));
#ifndef HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_
#define HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/ip/tcp.hpp"
#include "broker/core/cursor.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_response.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"
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

// Starts serving the stream, which then runs on its own until the client leaves, the node
// drains (a `retry:` then close) or the client falls more than
// `options.outbound_queue_bytes` behind (closed; it resumes from its last id). Answers
// 400/403/404 with a text body when the request cannot be served. Call on `context.shard`'s
// thread; `context.grant` and `request` are used only during the call. The session holds
// `lease` until it ends.
void StartSseSession(const SessionContext& context, boost::asio::ip::tcp::socket socket,
                     const Request& request, ConnectionLease lease);
// The same over TLS, once the TLS handshake is done.
void StartSseSession(const SessionContext& context, TlsStream stream, const Request& request,
                     ConnectionLease lease);

}  // namespace herald::edge::sse

#endif  // HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_
