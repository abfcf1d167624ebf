// Options of the browser edge (HTTP listener, SSE and WebSocket sessions).
//
//   edge::EdgeOptions options{.address = "0.0.0.0", .port = 8080};
//   options.allowed_origins = {"https://app.example.com"};
#ifndef HERALD_BROKER_EDGE_EDGE_OPTIONS_H_
#define HERALD_BROKER_EDGE_EDGE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "broker/auth/browser_token.h"

namespace herald::edge {

struct EdgeOptions {
  std::string address = "127.0.0.1";
  // 0 picks a free port; EdgeServer::port() tells which.
  uint16_t port = 8080;
  // TLS beside the plain port, on every route, when both files are set: the certificate
  // chain and the private key (PEM), re-read by EdgeServer::ReloadTls() (heraldd: SIGHUP).
  std::string tls_cert_file;
  std::string tls_key_file;
  // The TLS port; 0 picks a free one, EdgeServer::tls_port() tells which.
  uint16_t tls_port = 8443;
  // Served at `/` when set (GET and HEAD only, no directory listings).
  std::string static_dir;

  // SSE: a `: hb` comment after this much silence.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // SSE: the `retry:` EventSource waits before reconnecting.
  absl::Duration sse_retry = absl::Seconds(2);
  // WebSocket: a ping after this much time; two pings without a pong close the connection.
  absl::Duration ws_ping_interval = absl::Seconds(30);
  // WebSocket: larger messages (after reassembly and inflation) are closed with 1009.
  size_t max_ws_message_bytes = 1 << 20;
  // WebSocket: more client messages than this in one second close the connection with 1008;
  // 0 means no limit.
  uint32_t max_ws_messages_per_second = 100;
  // WebSocket: more bytes of client messages (after inflation) and control frames than this
  // in one second close the connection with 1008; 0 means no limit.
  size_t max_ws_bytes_per_second = 1 << 20;
  // WebSocket: publish ops past this many in one second are answered with a
  // resource_exhausted error frame (the connection stays open); 0 means no limit.
  uint32_t max_ws_publishes_per_second = 50;
  // Larger request heads are answered with 431.
  size_t max_header_bytes = 16 << 10;
  // A request head (or WebSocket handshake) must arrive within this time.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // An HTTP keep-alive connection with no request for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Connections past this are answered with 503.
  size_t max_connections = 10'000;
  // Connections one client (an IPv4 address, an IPv6 /64) may hold open; past it 429 with
  // Retry-After. 0 means no limit.
  size_t max_connections_per_ip = 256;
  // New connections one client may open per second, a token bucket holding
  // new_connection_burst_per_ip; past it 429 with Retry-After. 0 means no limit.
  double max_new_connections_per_second_per_ip = 20;
  double new_connection_burst_per_ip = 40;
  // Proxies (addresses or CIDRs, e.g. "10.0.0.0/8") whose X-Forwarded-For is believed: behind
  // one, the client (for the limits above, listings and logs) is the right-most address of
  // the header that is not a trusted proxy. From anyone else the header is ignored.
  std::vector<std::string> trusted_proxies;
  // Per-session bound of bytes queued for a client; past it the session is closed and the
  // client resumes from its cursor.
  size_t outbound_queue_bytes = 1 << 20;
  // Topics one SSE request may name.
  size_t max_topics_per_subscription = 64;
  // Origins allowed for CORS (SSE) and WebSocket handshakes, e.g. "https://app.example.com".
  // Empty allows every origin; "*" in the list does too.
  std::vector<std::string> allowed_origins;
  // When set, /v1/sse and /v1/ws need an access token (see auth/browser_token.h): 401
  // without a valid one, 403 (SSE) or a permission_denied error frame (WS) for a topic it
  // does not grant, and WS publish only to topics of its `publish` claim. Unset: every browser may
  // subscribe, and WS publish depends on the topic's allow_browser_publish alone.
  // Sessions end when their token expires (WS close 4001, SSE event herald.expired) unless a
  // WebSocket client sends {"op":"refresh"} with a new one first. Reload() it to rotate keys.
  std::shared_ptr<auth::BrowserTokenVerifier> access_tokens;
  // Where Broker::Start finds the keys of access_tokens when it is unset: a secret, a secret
  // file or a keys file here makes the edge check tokens.
  auth::BrowserTokenOptions access_token_options;
  // Protected mode: Broker::Start refuses an edge on an address other than loopback without
  // access_tokens, unless this says anonymous browsers are meant.
  bool allow_anonymous_browsers = false;
  // How often each shard sweeps its connections for heartbeats, pings and deadlines; the
  // granularity of every timeout above.
  absl::Duration sweep_interval = absl::Seconds(1);
  // Drain: how long sessions of every transport get to flush and leave after being told to
  // reconnect elsewhere; then they are closed.
  absl::Duration drain_timeout = absl::Seconds(5);
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_EDGE_OPTIONS_H_
