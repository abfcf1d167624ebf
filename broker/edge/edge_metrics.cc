#include "broker/edge/edge_metrics.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"
#include "broker/observe/families.h"

namespace herald::edge {

Refusal RefusalOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return Refusal::kNotFound;
    case absl::StatusCode::kPermissionDenied:
      return Refusal::kForbidden;
    case absl::StatusCode::kUnauthenticated:
      return Refusal::kUnauthenticated;
    case absl::StatusCode::kUnavailable:
      return Refusal::kDraining;
    case absl::StatusCode::kResourceExhausted:
      return Refusal::kTopicFull;
    default:
      return Refusal::kBadRequest;
  }
}

std::vector<prometheus::MetricFamily> EdgeCollector::Collect() const {
  observe::Families out;
  const auto load = [](const auto& value) {
    return static_cast<double>(value.load(std::memory_order_relaxed));
  };
  out.Counter("herald_edge_connections_total", "TCP connections accepted.");
  out.Sample(load(metrics_.connections_accepted));
  out.Gauge("herald_edge_connections", "TCP connections open.");
  out.Sample(load(metrics_.connections_open));
  out.Gauge("herald_edge_sessions", "Browser streams open.");
  const std::map<std::string, uint64_t> open = sessions_.OpenByTransport();
  for (const char* transport : {"sse", "ws"}) {
    out.Sample(static_cast<double>(open.at(transport)), {{"transport", transport}});
  }
  out.Counter("herald_edge_refused_total",
              "Requests or connections refused before a stream began, by reason.");
  for (size_t i = 0; i < kRefusals; ++i) {
    out.Sample(load(metrics_.refused[i]), {{"reason", kRefusalNames[i]}});
  }
  for (size_t i = 0; i < auth::kTokenRefusals; ++i) {
    const std::string reason = absl::StrCat(
        "token_", AbslView(auth::TokenRefusalName(static_cast<auth::TokenRefusal>(i))));
    out.Sample(load(metrics_.refused_tokens[i]), {{"reason", reason}});
  }
  out.Counter("herald_edge_sent_bytes_total", "Bytes written to browsers.");
  out.Sample(load(metrics_.bytes_sent));
  out.Counter("herald_edge_ws_error_frames_total", "WebSocket error frames sent.");
  out.Sample(load(metrics_.ws_error_frames));
  out.Counter("herald_edge_io_errors_total", "Socket errors other than a normal close.");
  out.Sample(load(metrics_.io_errors));
  out.Gauge("herald_topics", "Topics known to this node.");
  out.Sample(static_cast<double>(engine_.TopicCount()));
  return out.Take();
}

}  // namespace herald::edge
