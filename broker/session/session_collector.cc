#include "broker/session/session_collector.h"

#include <map>
#include <string>

#include "broker/core/string_view.h"
#include "broker/observe/families.h"

namespace herald::session {

std::vector<prometheus::MetricFamily> SessionCollector::Collect() const {
  observe::Families out;
  const std::map<std::string, uint64_t> open = sessions_.OpenByTransport();
  const auto per_transport = [&](auto value) {
    for (Transport t : kStreamingTransports) {
      out.Sample(static_cast<double>(value(t)), {{"transport", TransportName(t)}});
    }
  };
  out.Gauge("herald_sessions", "Streams open (SSE, WebSocket, gRPC).");
  per_transport([&](Transport t) { return open.at(std::string(TransportName(t))); });
  out.Counter("herald_sessions_opened_total", "Streams opened.");
  per_transport([&](Transport t) { return sessions_.opened(t); });
  out.Counter("herald_sessions_closed_total",
              "Connections that ended, by transport and reason (HTTP-phase connections only "
              "for timeouts and other reasons of their own).");
  for (Transport t : {Transport::kHttp, Transport::kSse, Transport::kWs, Transport::kGrpc}) {
    for (size_t r = 0; r < kCloseReasons; ++r) {
      out.Sample(static_cast<double>(sessions_.closed(t, static_cast<CloseReason>(r))),
                 {{"transport", TransportName(t)}, {"reason", kCloseReasonNames[r]}});
    }
  }
  out.Counter("herald_sessions_without_events_total",
              "Streams that ended without delivering an event (heartbeats at most).");
  per_transport([&](Transport t) { return sessions_.closed_without_events(t); });
  out.Counter("herald_session_stalls_total",
              "Times a stream's queue went undrained for longer than its heartbeat interval.");
  per_transport([&](Transport t) { return sessions_.stalls(t); });
  out.Counter("herald_events_delivered_total", "Events written to subscribers' streams.");
  per_transport([&](Transport t) { return sessions_.delivered(t); });
  return out.Take();
}

}  // namespace herald::session
