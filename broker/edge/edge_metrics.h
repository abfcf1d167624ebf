// The browser edge's counters (relaxed atomics written from every shard) and the collector
// that shows them, with the session layer's counts, on /metrics.
//
//   metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
//   metrics.Refuse(Refusal::kOrigin);
//   observe_metrics.Add(std::make_shared<EdgeCollector>(metrics, sessions, engine));
#ifndef HERALD_BROKER_EDGE_EDGE_METRICS_H_
#define HERALD_BROKER_EDGE_EDGE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "broker/auth/browser_token.h"
#include "broker/core/engine.h"
#include "broker/core/named_enum.h"
#include "broker/session/session_registry.h"
#include "prometheus/collectable.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"

namespace herald::edge {

// Why the edge refused a request or connection before any stream began (herald_edge_refused_
// total{reason}). Sessions that end are closes, not refusals (session::CloseReason). A new
// reason is one line: X(enumerator, name).
#define HERALD_EDGE_REFUSALS(X)                                                         \
  X(kConnectionLimit, "connection_limit")              /* --max_connections */          \
  X(kClientConnectionLimit, "client_connection_limit") /* --max_connections_per_ip */   \
  X(kClientConnectionRate, "client_connection_rate")   /* new connections per second */ \
  X(kHeaderLimit, "header_limit")                                                       \
  X(kTlsHandshake, "tls_handshake")      /* failed, not timed out */                    \
  X(kUnauthenticated, "unauthenticated") /* besides token_<why> below */                \
  X(kForbidden, "forbidden")                                                            \
  X(kTopicNotGranted, "topic_not_granted") /* by the access token */                    \
  X(kTopicFull, "topic_max_subscribers")   /* the topic's max_subscribers */            \
  X(kWsPublishRate, "ws_publish_rate")     /* a WebSocket publish op */                 \
  X(kBadRequest, "bad_request")                                                         \
  X(kNotFound, "not_found")                                                             \
  X(kOrigin, "origin")                                                                  \
  X(kDraining, "draining")

enum class Refusal : uint8_t { HERALD_EDGE_REFUSALS(HERALD_ENUMERATOR) };
inline constexpr std::string_view kRefusalNames[] = {HERALD_EDGE_REFUSALS(HERALD_ENUMERATOR_NAME)};
inline constexpr size_t kRefusals = std::size(kRefusalNames);

// Thread-safe: relaxed atomics written from every shard, read by the collector.
struct EdgeMetrics {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_open{0};
  std::array<std::atomic<uint64_t>, kRefusals> refused{};
  // Access tokens refused (on connecting or on a WebSocket refresh), by auth::TokenRefusal:
  // herald_edge_refused_total{reason="token_<why>"}.
  std::array<std::atomic<uint64_t>, auth::kTokenRefusals> refused_tokens{};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> ws_error_frames{0};
  // Socket errors that are not a normal end of a connection.
  std::atomic<uint64_t> io_errors{0};
  // herald_delivery_seconds, observed for the deliveries the shards sample; null: none.
  prometheus::Histogram* delivery_seconds = nullptr;

  void Refuse(Refusal reason) {
    refused[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountRefused(auth::TokenRefusal refusal) {
    refused_tokens[static_cast<size_t>(refusal)].fetch_add(1, std::memory_order_relaxed);
  }
};

// The refusal a stream request's error stands for: kNotFound, kForbidden, kUnauthenticated,
// kDraining (Unavailable), kTopicFull (ResourceExhausted), else kBadRequest.
Refusal RefusalOf(const absl::Status& status);

// The edge's families, with its open streams per transport and herald_topics. Thread-safe;
// `metrics`, `sessions` and `engine` must outlive it while it is registered.
class EdgeCollector final : public prometheus::Collectable {
 public:
  EdgeCollector(const EdgeMetrics& metrics, const session::SessionRegistry& sessions,
                const Engine& engine)
      : metrics_(metrics), sessions_(sessions), engine_(engine) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const EdgeMetrics& metrics_;
  const session::SessionRegistry& sessions_;
  const Engine& engine_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_EDGE_METRICS_H_
