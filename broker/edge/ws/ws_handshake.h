// The WebSocket opening handshake of /v1/ws (RFC 6455 4.2, RFC 7692 7), answered by Herald
// itself rather than by a WebSocket library: the checks of an upgrade request, the 101
// response, and the permessage-deflate agreement.
//
//   if (std::optional<Response> refusal = ws::RefuseUpgrade(options, metrics, request)) ...
//   ws::Handshake handshake = ws::AcceptUpgrade(request);   // send handshake.response first
#ifndef HERALD_BROKER_EDGE_WS_WS_HANDSHAKE_H_
#define HERALD_BROKER_EDGE_WS_WS_HANDSHAKE_H_

#include <optional>
#include <string>
#include <string_view>

#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/edge/http_response.h"

namespace herald::edge::ws {

inline constexpr std::string_view kSubprotocol = "herald.v1.json";
// The one WebSocket version there is (RFC 6455), named in every 426.
inline constexpr std::string_view kWebSocketVersion = "13";

// True when a Sec-WebSocket-Protocol header value offers herald.v1.json.
bool OffersSubprotocol(std::string_view header);

// 400 without a Host, without a Sec-WebSocket-Key or with one that is not the base64 of 16
// bytes, or without a Sec-WebSocket-Version; 426 (naming version 13) for another version;
// 403 for an Origin off the allow-list. nullopt when the upgrade may proceed.
std::optional<Response> RefuseUpgrade(const EdgeOptions& options, EdgeMetrics& metrics,
                                      const Request& request);

// The Sec-WebSocket-Accept of a Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string WsAcceptKey(std::string_view key);

// The Sec-WebSocket-Extensions answer to `offers` (the header's value): permessage-deflate
// with server_no_context_takeover and client_no_context_takeover and the server window
// events are compressed with (wire::kWsDeflateWindowBits), for the first offer of it that
// allows them; nullopt when none does (the connection goes uncompressed).
std::optional<std::string> NegotiateDeflate(std::string_view offers);

struct Handshake {
  // The whole 101 response, to be sent before any frame.
  std::string response;
  // permessage-deflate was agreed: the connection takes the shared compressed frames, and its
  // client may compress what it sends.
  bool deflate = false;
};

// The 101 answer to an upgrade request that RefuseUpgrade() let through.
Handshake AcceptUpgrade(const Request& request);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_HANDSHAKE_H_
