// The WebSocket session: GET /v1/ws upgraded to subprotocol herald.v1.json, where a browser
// subscribes to topics (optionally from a cursor), unsubscribes and, where a topic allows it,
// publishes.
//
//   // In the edge's HTTP phase, on the connection's shard:
//   if (std::optional<Response> refusal = ws::RefuseUpgrade(options, metrics, request)) ...
//   ws::StartWsSession(context, std::move(socket), std::move(request), std::move(lease));
#ifndef HERALD_BROKER_EDGE_WS_WS_SESSION_H_
#define HERALD_BROKER_EDGE_WS_WS_SESSION_H_

#include <optional>
#include <string_view>

#include "boost/asio/ip/tcp.hpp"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_response.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"

namespace herald::edge::ws {

inline constexpr std::string_view kSubprotocol = "herald.v1.json";

// True when a Sec-WebSocket-Protocol header value offers herald.v1.json.
bool OffersSubprotocol(std::string_view header);

// The checks of an upgrade request that Beast leaves to us: 400 for a Sec-WebSocket-Key that
// is not the base64 of 16 bytes (RFC 6455 4.2.1; Beast checks only that it is there and
// short), 403 for an Origin off the allow-list. nullopt when the upgrade may proceed.
std::optional<Response> RefuseUpgrade(const EdgeOptions& options, EdgeMetrics& metrics,
                                      const Request& request);

// Completes the handshake of an upgrade `request` (Beast answers 400/426 for what it refuses)
// and serves the session until either side closes, an operator kicks it (close 1008 with the
// reason), the node drains (close 1012), pongs stop (two missed pings) or the client falls
// more than `options.outbound_queue_bytes` behind (close 1008; it resumes from its cursors).
// Runs on its own from here, on completion callbacks: call on `context.shard`'s thread;
// `context.grant` is used only during the call. The session holds `lease` until it ends.
void StartWsSession(const SessionContext& context, boost::asio::ip::tcp::socket socket,
                    Request request, ConnectionLease lease);
// The same over TLS, once the TLS handshake is done.
void StartWsSession(const SessionContext& context, TlsStream stream, Request request,
                    ConnectionLease lease);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_SESSION_H_
