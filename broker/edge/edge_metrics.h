// The browser edge's counters, rendered as Prometheus text on /metrics.
//
//   metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
//   std::string text = metrics.RenderPrometheus(registry);
#ifndef HERALD_BROKER_EDGE_EDGE_METRICS_H_
#define HERALD_BROKER_EDGE_EDGE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "broker/auth/browser_token.h"
#include "broker/session/session_registry.h"

namespace herald::edge {

// Thread-safe: relaxed atomics written from every shard, read by /metrics.
struct EdgeMetrics {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> sse_sessions_total{0};
  std::atomic<uint64_t> ws_sessions_total{0};
  // Refusals, by reason.
  std::atomic<uint64_t> refused_connection_limit{0};
  std::atomic<uint64_t> refused_header_limit{0};
  // Access tokens refused (on connecting or on a WebSocket refresh), by auth::TokenRefusal.
  std::array<std::atomic<uint64_t>, auth::kTokenRefusals> refused_tokens{};
  // Subscribes and publishes that the session's access token does not grant.
  std::atomic<uint64_t> refused_topic_not_granted{0};
  // Sessions ended because their access token expired.
  std::atomic<uint64_t> token_expiry_closes{0};
  std::atomic<uint64_t> refused_bad_request{0};
  std::atomic<uint64_t> refused_origin{0};
  std::atomic<uint64_t> refused_rate_limit{0};
  std::atomic<uint64_t> refused_client_connections{0};
  std::atomic<uint64_t> refused_client_connection_rate{0};
  std::atomic<uint64_t> refused_ws_byte_rate{0};
  std::atomic<uint64_t> refused_ws_publish_rate{0};
  std::atomic<uint64_t> refused_topic_full{0};
  std::atomic<uint64_t> handshake_timeouts{0};
  // TLS handshakes that failed other than by timing out: a plain HTTP client on the TLS port,
  // a protocol version, cipher or ALPN the edge does not speak, a client gone mid-handshake.
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<uint64_t> idle_timeouts{0};
  std::atomic<uint64_t> ping_timeouts{0};
  // Sessions closed because their outbound queue was full.
  std::atomic<uint64_t> slow_subscriber_closes{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> ws_error_frames{0};
  // Socket errors that are not a normal end of a connection.
  std::atomic<uint64_t> io_errors{0};

  void CountRefused(auth::TokenRefusal refusal) {
    refused_tokens[static_cast<size_t>(refusal)].fetch_add(1, std::memory_order_relaxed);
  }

  // With the session layer's gauges and delivery counts of the browser transports.
  std::string RenderPrometheus(const session::SessionRegistry& sessions) const;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_EDGE_METRICS_H_
