#include "broker/edge/edge_metrics.h"

#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"

namespace herald::edge {
namespace {

template <typename T>
void AppendMetric(std::string& out, const char* name, const char* type, const char* help,
                  const std::atomic<T>& value, const char* labels = "") {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name,
                  labels, " ", value.load(std::memory_order_relaxed), "\n");
}

// One metric family with a label per sample: HELP and TYPE once.
void AppendRefused(std::string& out, const EdgeMetrics& m) {
  absl::StrAppend(&out,
                  "# HELP herald_edge_refused_total Requests or connections refused by a limit.\n"
                  "# TYPE herald_edge_refused_total counter\n");
  const std::pair<const char*, const std::atomic<uint64_t>*> reasons[] = {
      {"connection_limit", &m.refused_connection_limit},
      {"header_limit", &m.refused_header_limit},
      {"topic_not_granted", &m.refused_topic_not_granted},
      {"token_expired_on_session", &m.token_expiry_closes},
      {"bad_request", &m.refused_bad_request},
      {"origin", &m.refused_origin},
      {"ws_message_rate", &m.refused_rate_limit},
      {"client_connection_limit", &m.refused_client_connections},
      {"client_connection_rate", &m.refused_client_connection_rate},
      {"ws_byte_rate", &m.refused_ws_byte_rate},
      {"ws_publish_rate", &m.refused_ws_publish_rate},
      {"topic_max_subscribers", &m.refused_topic_full},
      {"handshake_timeout", &m.handshake_timeouts},
      {"tls_handshake", &m.tls_handshake_failures},
      {"idle_timeout", &m.idle_timeouts},
      {"ping_timeout", &m.ping_timeouts},
      {"slow_subscriber", &m.slow_subscriber_closes},
  };
  for (const auto& [reason, value] : reasons) {
    absl::StrAppend(&out, "herald_edge_refused_total{reason=\"", reason, "\"} ",
                    value->load(std::memory_order_relaxed), "\n");
  }
  for (size_t i = 0; i < auth::kTokenRefusals; ++i) {
    absl::StrAppend(&out, "herald_edge_refused_total{reason=\"token_",
                    AbslView(auth::TokenRefusalName(static_cast<auth::TokenRefusal>(i))), "\"} ",
                    m.refused_tokens[i].load(std::memory_order_relaxed), "\n");
  }
}

}  // namespace

std::string EdgeMetrics::RenderPrometheus(const session::SessionRegistry& sessions) const {
  const std::map<std::string, uint64_t> open = sessions.OpenByTransport();
  std::string out;
  AppendMetric(out, "herald_edge_connections_total", "counter", "TCP connections accepted.",
               connections_accepted);
  AppendMetric(out, "herald_edge_connections", "gauge", "TCP connections open.", connections_open);
  absl::StrAppend(&out,
                  "# HELP herald_edge_sessions Streaming sessions open.\n"
                  "# TYPE herald_edge_sessions gauge\n",
                  "herald_edge_sessions{transport=\"sse\"} ", open.at("sse"), "\n",
                  "herald_edge_sessions{transport=\"ws\"} ", open.at("ws"), "\n");
  absl::StrAppend(&out,
                  "# HELP herald_edge_sessions_total Streaming sessions started.\n"
                  "# TYPE herald_edge_sessions_total counter\n",
                  "herald_edge_sessions_total{transport=\"sse\"} ",
                  sse_sessions_total.load(std::memory_order_relaxed), "\n",
                  "herald_edge_sessions_total{transport=\"ws\"} ",
                  ws_sessions_total.load(std::memory_order_relaxed), "\n");
  AppendRefused(out, *this);
  absl::StrAppend(
      &out,
      "# HELP herald_edge_events_sent_total Events written to browser sessions.\n"
      "# TYPE herald_edge_events_sent_total counter\nherald_edge_events_sent_total ",
      sessions.delivered(session::Transport::kSse) + sessions.delivered(session::Transport::kWs),
      "\n");
  AppendMetric(out, "herald_edge_sent_bytes_total", "counter", "Bytes written to browsers.",
               bytes_sent);
  AppendMetric(out, "herald_edge_ws_error_frames_total", "counter", "WebSocket error frames sent.",
               ws_error_frames);
  AppendMetric(out, "herald_edge_io_errors_total", "counter",
               "Socket errors other than a normal close.", io_errors);
  return out;
}

}  // namespace herald::edge
