// The WebSocket session: GET /v1/ws upgraded to subprotocol herald.v1.json, where a browser
// subscribes to topics (optionally from a cursor), unsubscribes and, where a topic allows it,
// publishes.
//
//   // In the edge's connection coroutine, on the connection's shard:
//   co_await ws::RunWsSession(context, socket, request);
#ifndef HERALD_BROKER_EDGE_WS_WS_SESSION_H_
#define HERALD_BROKER_EDGE_WS_WS_SESSION_H_

#include <string_view>

#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "broker/edge/http_response.h"
#include "broker/edge/session_context.h"

namespace herald::edge::ws {

inline constexpr std::string_view kSubprotocol = "herald.v1.json";

// True when a Sec-WebSocket-Protocol header value offers herald.v1.json.
bool OffersSubprotocol(std::string_view header);

// Completes the handshake of an upgrade `request` (400 for a key that is not 16 bytes of
// base64, 403 for an Origin off the allow-list, Beast's 400/426 for the rest) and serves the
// session until either side closes, the node drains (close 1012), pongs stop (two missed
// pings) or the client falls more than `options.outbound_queue_bytes` behind (close 1008; it
// resumes from its cursors). Runs on `context.shard`'s thread; never throws. Takes over
// `socket` and `request` (the request is emptied by the handshake): by reference, because a
// copy would live in the session's frame for the whole connection; both must outlive the
// returned awaitable.
boost::asio::awaitable<void> RunWsSession(SessionContext& context,
                                          boost::asio::ip::tcp::socket& socket, Request& request);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_SESSION_H_
