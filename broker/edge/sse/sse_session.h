// The Server-Sent Events session: GET /v1/sse?topic=A[&topic=B…] streams every event of the
// topics as `text/event-stream`, resuming from the Last-Event-ID header or the
// last_event_id query parameter (see sse_request.h).
//
//   // In the edge's connection coroutine, on the connection's shard:
//   sse::StartSseSession(context, grant, std::move(socket), request, std::move(lease));
#ifndef HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_
#define HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_

#include "boost/asio/ip/tcp.hpp"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_response.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"

namespace herald::edge::sse {

// Starts serving the stream, which then runs on its own until the client leaves, the node
// drains (a `retry:` then close) or the client falls more than
// `options.outbound_queue_bytes` behind (closed; it resumes from its last id). Answers
// 400/403/404 with a text body when the request cannot be served. Call on `context.shard`'s
// thread; `grant` (what the request's access token grants, null when the edge checks none)
// and `request` are used only during the call. The session holds `lease` until it ends.
void StartSseSession(const SessionContext& context, const auth::BrowserGrant* grant,
                     boost::asio::ip::tcp::socket socket, const Request& request,
                     ConnectionLease lease);
// The same over TLS, once the TLS handshake is done.
void StartSseSession(const SessionContext& context, const auth::BrowserGrant* grant,
                     TlsStream stream, const Request& request, ConnectionLease lease);

}  // namespace herald::edge::sse

#endif  // HERALD_BROKER_EDGE_SSE_SSE_SESSION_H_
