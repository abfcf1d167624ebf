// The browser edge: one HTTP listener serving /v1/sse, /v1/ws, /healthz, /readyz, /metrics
// and, optionally, a static directory at `/`, and the same over TLS on a second port when
// options.tls_cert_file and tls_key_file are set. Connections are accepted on one acceptor per
// port and handed to the shard `ShardPool::Next()` picks, where they live until they close.
//
//   absl::StatusOr<std::unique_ptr<EdgeServer>> edge =
//       EdgeServer::Start({.port = 0}, engine, shards, sessions, metrics, SystemClock());
//   uint16_t port = (*edge)->port();
//   absl::Status reloaded = (*edge)->ReloadTls();   // SIGHUP: new certificate, same connections
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
#include "broker/edge/client_address.h"
#include "broker/edge/client_limits.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/edge/http_response.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"
#include "broker/edge/tls_context.h"
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
  // Binds and starts accepting. InvalidArgument for a bad address or options, a TLS
  // certificate or key that cannot be read, or only one of them set; Unavailable when an
  // address cannot be bound (port in use, permission). The edge's counters join `observe`,
  // which /metrics renders.
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
  // The bound TLS port (the one picked when options.tls_port was 0); 0 without TLS.
  uint16_t tls_port() const { return tls_port_; }
  const EdgeOptions& options() const { return options_; }
  const EdgeMetrics& metrics() const { return metrics_; }

  // Re-reads the TLS certificate and key for new connections; open ones keep theirs. On an
  // error (MakeServerTlsContext's) the old ones stay. OK without TLS.
  absl::Status ReloadTls();

  // Closes every connection and waits for every session to end. Idempotent.
  void Stop();

 private:
  EdgeServer(EdgeOptions options, TrustedProxies trusted_proxies, Engine& engine,
             fanout::ShardPool& shards, session::SessionRegistry& sessions,
             observe::Metrics& observe, const Clock& clock);

  // Spawns `task` on `context`, counted until it ends so that Stop() can wait for it.
  void Spawn(boost::asio::io_context& context, boost::asio::awaitable<void> task);
  // Accepts on `acceptor` until it closes; `tls` is set for the TLS port.
  boost::asio::awaitable<void> Accept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  // `Stream` is tcp::socket or TlsStream (its handshake not yet done).
  template <class Stream>
  boost::asio::awaitable<void> Serve(session::ShardSessions& sessions, Stream stream,
                                     ConnectionLease lease);
  // The TLS handshake under options_.handshake_timeout, which the shard's sweep enforces as
  // it does for request heads: true once it is done.
  boost::asio::awaitable<bool> Handshake(session::ShardSessions& sessions, TlsStream& stream);
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
  template <class Stream>
  boost::asio::awaitable<std::optional<StreamRequest>> ServeHttp(session::ShardSessions& sessions,
                                                                 Stream& stream,
                                                                 ConnectionLease& lease);
  // Counts the connection against `client`'s limits in `lease`, or answers 429 and returns
  // false.
  template <class Stream>
  boost::asio::awaitable<bool> AdmitClient(Stream& stream, const boost::asio::ip::address& client,
                                           unsigned http_version, ConnectionLease& lease);
  // The answer to a request that is not a stream: health, metrics, static files, errors.
  Response Respond(const Request& request, const std::string& path);

  const EdgeOptions options_;
  Engine& engine_;
  fanout::ShardPool& shards_;
  session::SessionRegistry& sessions_;
  observe::Metrics& observe_;
  const Clock& clock_;
  const TrustedProxies trusted_proxies_;
  ClientLimits client_limits_;
  EdgeMetrics metrics_;
  // Per shard, by shard id: what the shard's sessions hold by reference.
  std::vector<SessionContext> session_contexts_;
  std::shared_ptr<EdgeCollector> collector_;
  // Live on shard 0; used only there after Start(). The TLS one and its context are set
  // when the edge serves TLS.
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> tls_acceptor_;
  std::unique_ptr<ServerTlsContext> tls_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::atomic<bool> stopped_{false};
  // Coroutines spawned and connections accepted, not yet ended.
  session::TaskCount tasks_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_EDGE_SERVER_H_
