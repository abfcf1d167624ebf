// The browser edge: one HTTP listener serving /v1/sse, /v1/ws, /healthz, /readyz, /metrics
// and, optionally, a static directory at `/`. Connections are accepted on one acceptor and
// handed to the shard `ShardPool::Next()` picks, where they live until they close.
//
//   absl::StatusOr<std::unique_ptr<EdgeServer>> edge =
//       EdgeServer::Start({.port = 0}, engine, shards, sessions, metrics, SystemClock());
//   uint16_t port = (*edge)->port();
//   sessions.Drain();   // the node drains: /readyz 503, new streams 503, clients are told
//   edge->reset();      // closes what is left and waits for every session to end
#ifndef HERALD_BROKER_EDGE_EDGE_SERVER_H_
#define HERALD_BROKER_EDGE_EDGE_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/edge/http_response.h"
#include "broker/fanout/shard.h"
#include "broker/observe/metrics.h"
#include "broker/session/session_registry.h"
#include "broker/session/task_count.h"

namespace herald::edge {

// Thread-safe. `engine`, `shards`, `sessions` and `clock` must outlive the server, and the
// shards must keep running until the server is destroyed (its sessions run on them). The
// server drains with the node (`sessions.Drain()`): it refuses new streams and answers /readyz
// with 503 first, then SSE sessions get a `retry:` and close, WebSocket sessions close with
// 1012.
class EdgeServer {
 public:
  // Binds and starts accepting. InvalidArgument for a bad address or options; Unavailable
  // when the address cannot be bound (port in use, permission).
  // The edge's counters join `observe`, which /metrics renders.
  static absl::StatusOr<std::unique_ptr<EdgeServer>> Start(EdgeOptions options, Engine& engine,
                                                           fanout::ShardPool& shards,
                                                           session::SessionRegistry& sessions,
                                                           observe::Metrics& observe,
                                                           const Clock& clock);
  // Stop().
  ~EdgeServer();
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  // The bound port (the one picked when options.port was 0).
  uint16_t port() const { return port_; }
  const EdgeOptions& options() const { return options_; }
  const EdgeMetrics& metrics() const { return metrics_; }

  // Closes every connection and waits for every session to end. Idempotent.
  void Stop();

 private:
  EdgeServer(EdgeOptions options, Engine& engine, fanout::ShardPool& shards,
             session::SessionRegistry& sessions, observe::Metrics& observe, const Clock& clock);

  // Spawns `task` on `context`, counted until it ends so that Stop() can wait for it.
  void Spawn(boost::asio::io_context& context, boost::asio::awaitable<void> task);
  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Serve(session::ShardSessions& sessions,
                                     boost::asio::ip::tcp::socket socket, ConnectionLease lease);
  // A request the HTTP phase hands on to a session.
  struct StreamRequest {
    enum class Kind { kSse, kWs };
    Kind kind;
    Request request;
    // Set when the edge checks access tokens.
    std::optional<auth::BrowserGrant> grant;
  };
  // The HTTP phase: refuses the connection past the limit, answers plain requests, and ends
  // with the first request for a stream, or nullopt when the connection is done. A coroutine
  // of its own so that its parser and read buffer end with it instead of living in the
  // frame of every idle stream.
  boost::asio::awaitable<std::optional<StreamRequest>> ServeHttp(
      session::ShardSessions& sessions, boost::asio::ip::tcp::socket& socket);
  // The answer to a request that is not a stream: health, metrics, static files, errors.
  Response Respond(const Request& request, const std::string& path);

  const EdgeOptions options_;
  Engine& engine_;
  fanout::ShardPool& shards_;
  session::SessionRegistry& sessions_;
  observe::Metrics& observe_;
  const Clock& clock_;
  EdgeMetrics metrics_;
  std::shared_ptr<EdgeCollector> collector_;
  // Lives on shard 0; used only there after Start().
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  // Coroutines spawned and connections accepted, not yet ended.
  session::TaskCount tasks_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_EDGE_SERVER_H_
