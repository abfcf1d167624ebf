// The WebSocket session: GET /v1/ws upgraded to subprotocol herald.v1.json, where a browser
// subscribes to topics (optionally from a cursor), unsubscribes and, where a topic allows it,
// publishes.
//
//   // In the edge's HTTP phase, on the connection's shard, once ws::RefuseUpgrade() let the
//   // request through (ws_handshake.h):
//   ws::StartWsSession(context, grant, std::move(socket), std::move(request), std::move(lease));
#ifndef HERALD_BROKER_EDGE_WS_WS_SESSION_H_
#define HERALD_BROKER_EDGE_WS_WS_SESSION_H_

#include "boost/asio/ip/tcp.hpp"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_response.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"

namespace herald::edge::ws {

// Answers the upgrade `request` with its 101 (ws::AcceptUpgrade) and serves the session until
// either side closes, an operator kicks it (close 1008 with the reason), the node drains (close
// 1012), pongs stop (two missed pings) or the client falls more than `options.outbound_queue_bytes`
// behind (close 1008; it resumes from its cursors). Runs on its own from here, on completion
// callbacks: call on `context.shard`'s thread. `grant` (what the request's access token grants,
// null when the edge checks none) is copied. The session holds `lease` until it ends.
void StartWsSession(const SessionContext& context, const auth::BrowserGrant* grant,
                    boost::asio::ip::tcp::socket socket, Request request, ConnectionLease lease);
// The same over TLS, once the TLS handshake is done.
void StartWsSession(const SessionContext& context, const auth::BrowserGrant* grant,
                    TlsStream stream, Request request, ConnectionLease lease);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_SESSION_H_
