#include "broker/edge/edge_server.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/stream_base.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/websocket/rfc6455.hpp"
#include "broker/core/status_macros.h"
#include "broker/core/string_view.h"
#include "broker/edge/http_request.h"
#include "broker/edge/http_response.h"
#include "broker/edge/session_context.h"
#include "broker/edge/sse/sse_session.h"
#include "broker/edge/static_files.h"
#include "broker/edge/ws/ws_handshake.h"
#include "broker/edge/ws/ws_session.h"
#include "broker/observe/log.h"

namespace herald::edge {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// The request's access token: `Authorization: Bearer`, else the `access_token` parameter
// (EventSource cannot set headers).
std::string AccessToken(const Request& request, const RequestTarget& target) {
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view header = request[http::field::authorization];
  if (header.starts_with(kBearer)) return std::string(header.substr(kBearer.size()));
  return target.First("access_token").value_or("");
}

// Requests of the edge carry no body worth the name (the routes are GETs).
constexpr size_t kMaxRequestBody = 8 << 10;

// The HTTP phase of a connection: reading requests under the handshake and idle deadlines,
// which the shard's sweep enforces by closing the socket.
// Shared objects: unsafe; use only on the owning shard.
class HttpConnection final : public session::Session {
 public:
  explicit HttpConnection(tcp::socket& socket) : socket_(socket) {}

  // Not a stream yet: never listed.
  void Describe(session::SessionSnapshot&) const override {}

  // A request head is awaited until `deadline`; `first` says whether it is the handshake
  // (first request) or a keep-alive wait.
  void AwaitRequest(absl::Time deadline, bool first) {
    deadline_ = deadline;
    first_ = first;
    reading_ = true;
  }
  void RequestArrived() { reading_ = false; }
  bool timed_out() const { return timed_out_; }
  bool draining() const { return draining_; }

  void OnSweep(absl::Time now) override {
    if (!reading_ || now < deadline_) return;
    timed_out_ = true;
    NoteClose(first_ ? session::CloseReason::kHandshakeTimeout
                     : session::CloseReason::kIdleTimeout);
    Abort();
  }

  void Drain() override {
    draining_ = true;
    // Between keep-alive requests nothing is lost by closing; mid-response the loop closes
    // after it. A connection awaiting its first request is still answered: probes of
    // /readyz must see the 503.
    if (reading_ && !first_) Abort();
  }

  void Disconnect(const absl::Status&) override { Abort(); }

  void Abort() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  tcp::socket& socket_;
  absl::Time deadline_ = absl::InfiniteFuture();
  bool first_ = true;
  bool reading_ = false;
  bool timed_out_ = false;
  bool draining_ = false;
};

// Every X-Forwarded-For line of `request`, joined as one list (proxies may add a line each).
std::string ForwardedFor(const Request& request) {
  std::string joined;
  const auto [first, last] = request.equal_range("X-Forwarded-For");
  for (auto line = first; line != last; ++line) {
    if (!joined.empty()) joined += ',';
    joined.append(line->value().data(), line->value().size());
  }
  return joined;
}

template <class Stream>
void CloseGracefully(Stream& stream) {
  SendCloseNotify(stream);
  boost::system::error_code ignored;
  TcpSocket(stream).shutdown(tcp::socket::shutdown_send, ignored);
  TcpSocket(stream).close(ignored);
}

// Binds a listening socket on `address`:`port` of `context`, on the caller's thread so that a
// port in use is an error of Start().
absl::StatusOr<std::unique_ptr<tcp::acceptor>> Listen(asio::io_context& context,
                                                      const asio::ip::address& address,
                                                      uint16_t port) {
  auto acceptor = std::make_unique<tcp::acceptor>(context);
  const tcp::endpoint endpoint(address, port);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrFormat("cannot listen on %s:%d: %s; pick another port",
                                                  address.to_string(), port, ec.message()));
  }
  return acceptor;
}

}  // namespace

EdgeServer::EdgeServer(EdgeOptions options, TrustedProxies trusted_proxies, Engine& engine,
                       fanout::ShardPool& shards, session::SessionRegistry& sessions,
                       observe::Metrics& observe, const Clock& clock)
    : options_(std::move(options)),
      engine_(engine),
      shards_(shards),
      sessions_(sessions),
      observe_(observe),
      clock_(clock),
      trusted_proxies_(std::move(trusted_proxies)),
      client_limits_({.max_connections = options_.max_connections_per_ip,
                      .new_per_second = options_.max_new_connections_per_second_per_ip,
                      .burst = options_.new_connection_burst_per_ip},
                     clock),
      collector_(std::make_shared<EdgeCollector>(metrics_, sessions, engine)) {
  metrics_.delivery_seconds = &observe.delivery_seconds();
  observe_.Add(collector_);
  session_contexts_.reserve(shards_.size());
  for (size_t i = 0; i < shards_.size(); ++i) {
    session_contexts_.push_back({.options = options_,
                                 .engine = engine_,
                                 .shard = shards_.shard(i),
                                 .sessions = sessions_.shard(i),
                                 .metrics = metrics_});
  }
}

absl::StatusOr<std::unique_ptr<EdgeServer>> EdgeServer::Start(EdgeOptions options, Engine& engine,
                                                              fanout::ShardPool& shards,
                                                              session::SessionRegistry& sessions,
                                                              observe::Metrics& observe,
                                                              const Clock& clock) {
  if (options.outbound_queue_bytes == 0 || options.max_ws_message_bytes == 0 ||
      options.max_header_bytes == 0) {
    return absl::InvalidArgumentError(
        "EdgeOptions: outbound_queue_bytes, max_ws_message_bytes and max_header_bytes must "
        "be positive");
  }
  if (options.max_new_connections_per_second_per_ip < 0 ||
      (options.max_new_connections_per_second_per_ip > 0 &&
       options.new_connection_burst_per_ip < 1)) {
    return absl::InvalidArgumentError(
        "EdgeOptions: max_new_connections_per_second_per_ip must not be negative, and "
        "new_connection_burst_per_ip must be at least 1 when it is set");
  }
  absl::StatusOr<TrustedProxies> trusted_proxies = TrustedProxies::Parse(options.trusted_proxies);
  if (!trusted_proxies.ok()) return trusted_proxies.status();
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("edge address '", options.address,
                                                   "' is not an IP address (", ec.message(), ")"));
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "EdgeOptions: TLS needs both tls_cert_file and tls_key_file (--http_tls_cert and "
        "--http_tls_key); set both or neither");
  }
  std::unique_ptr<EdgeServer> server(new EdgeServer(std::move(options), *std::move(trusted_proxies),
                                                    engine, shards, sessions, observe, clock));
  asio::io_context& shard0 = shards.shard(0).context();
  std::unique_ptr<tcp::acceptor> acceptor;
  if (!server->options_.tls_cert_file.empty()) {
    HERALD_ASSIGN_OR_RETURN(server->tls_, ServerTlsContext::Load(server->options_.tls_cert_file,
                                                                 server->options_.tls_key_file));
    HERALD_ASSIGN_OR_RETURN(server->tls_acceptor_,
                            Listen(shard0, address, server->options_.tls_port));
    server->tls_port_ = server->tls_acceptor_->local_endpoint().port();
  }
  HERALD_ASSIGN_OR_RETURN(acceptor, Listen(shard0, address, server->options_.port));
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  server->Spawn(shard0, server->Accept(*server->acceptor_, /*tls=*/false));
  if (server->tls_acceptor_) {
    server->Spawn(shard0, server->Accept(*server->tls_acceptor_, /*tls=*/true));
  }
  return server;
}

absl::Status EdgeServer::ReloadTls() { return tls_ ? tls_->Reload() : absl::OkStatus(); }

EdgeServer::~EdgeServer() {
  Stop();
  observe_.Remove(collector_.get());
}

void EdgeServer::Spawn(asio::io_context& context, asio::awaitable<void> task) {
  tasks_.Begin();
  asio::co_spawn(context, std::move(task), [this](std::exception_ptr error) {
    // Sessions report errors as error codes; an exception here is a bug, counted rather
    // than let out of the shard's event loop.
    if (error) metrics_.io_errors.fetch_add(1, std::memory_order_relaxed);
    tasks_.End();
  });
}

asio::awaitable<void> EdgeServer::Accept(tcp::acceptor& acceptor, bool tls) {
  while (true) {
    fanout::Shard& shard = shards_.Next();
    auto [ec, socket] = co_await acceptor.async_accept(shard.context(), kAwait);
    if (ec) {
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory: count it and give the process a moment rather than
      // spin on the same error.
      metrics_.io_errors.fetch_add(1, std::memory_order_relaxed);
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kAwait);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    session::ShardSessions& shard_sessions = sessions_.shard(shard.id());
    ConnectionLease lease(metrics_, tasks_, socket.remote_endpoint(ignored));
    if (tls) {
      // The context of the moment: a reload changes what later connections get.
      Spawn(shard.context(), Serve(shard_sessions, TlsStream(std::move(socket), *tls_->Current()),
                                   std::move(lease)));
    } else {
      Spawn(shard.context(),
            Serve(shard_sessions, tcp::socket(std::move(socket)), std::move(lease)));
    }
  }
}

asio::awaitable<bool> EdgeServer::Handshake(session::ShardSessions& sessions, TlsStream& stream) {
  HttpConnection connection(stream.next_layer());
  sessions.Add(&connection, session::Transport::kHttp);
  connection.AwaitRequest(clock_.Now() + options_.handshake_timeout, /*first=*/true);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kAwait);
  connection.RequestArrived();
  sessions.Remove(&connection);
  // A timeout is counted by the sweep that ended it.
  if (ec && !connection.timed_out()) {
    metrics_.Refuse(Refusal::kTlsHandshake);
  }
  co_return !ec;
}

template <class Stream>
asio::awaitable<void> EdgeServer::Serve(session::ShardSessions& sessions, Stream stream,
                                        ConnectionLease lease) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (!co_await Handshake(sessions, stream)) {
      CloseGracefully(stream);
      co_return;
    }
  }
  std::optional<StreamRequest> request = co_await ServeHttp(sessions, stream, lease);
  if (!request) {
    CloseGracefully(stream);
    co_return;
  }
  const SessionContext& context = session_contexts_[sessions.shard().id()];
  const auth::BrowserGrant* grant = request->grant ? &*request->grant : nullptr;
  // Either stream runs on its own from here: this coroutine's frame is not kept for it.
  switch (request->kind) {
    case StreamRequest::Kind::kSse:
      sse::StartSseSession(context, grant, std::move(stream), request->request, std::move(lease));
      break;
    case StreamRequest::Kind::kWs:
      ws::StartWsSession(context, grant, std::move(stream), std::move(request->request),
                         std::move(lease));
      break;
  }
}

template <class Stream>
asio::awaitable<bool> EdgeServer::AdmitClient(Stream& socket, const asio::ip::address& client,
                                              unsigned http_version, ConnectionLease& lease) {
  ClientAdmission admission = client_limits_.Admit(client);
  if (admission.refusal.ok()) {
    lease.Hold(std::move(admission.slot));
    co_return true;
  }
  metrics_.Refuse(admission.by_rate ? Refusal::kClientConnectionRate
                                    : Refusal::kClientConnectionLimit);
  Response response = TextResponse(http_version, false, http::status::too_many_requests,
                                   std::string(admission.refusal.message()));
  response.set(http::field::retry_after,
               absl::StrCat(std::max<int64_t>(
                   1, absl::ToInt64Seconds(absl::Ceil(admission.retry_after, absl::Seconds(1))))));
  co_await http::async_write(socket, response, kAwait);
  co_return false;
}

template <class Stream>
asio::awaitable<std::optional<EdgeServer::StreamRequest>> EdgeServer::ServeHttp(
    session::ShardSessions& sessions, Stream& socket, ConnectionLease& lease) {
  if (static_cast<size_t>(metrics_.connections_open.load()) > options_.max_connections) {
    metrics_.Refuse(Refusal::kConnectionLimit);
    Response response = TextResponse(
        11, false, http::status::service_unavailable,
        absl::StrCat("connection limit (", options_.max_connections,
                     ") reached on this node; retry later or connect to another node"));
    response.set(http::field::retry_after, "1");
    co_await http::async_write(socket, response, kAwait);
    co_return std::nullopt;
  }
  // A proxy's connection carries many clients: each is counted when its stream is asked for.
  const asio::ip::address peer = PeerOf(TcpSocket(socket)).address();
  const bool proxied = trusted_proxies_.Contains(peer);
  if (!proxied && !co_await AdmitClient(socket, peer, 11, lease)) co_return std::nullopt;
  beast::flat_buffer buffer;
  HttpConnection connection(TcpSocket(socket));
  sessions.Add(&connection, session::Transport::kHttp);
  // Whichever way the phase ends, the connection leaves the table before it dies.
  struct Leave {
    session::ShardSessions& sessions;
    HttpConnection& connection;
    ~Leave() { sessions.Remove(&connection); }
  } leave{sessions, connection};
  bool first = true;
  while (!(connection.draining() && !first) && !stopped_.load(std::memory_order_relaxed)) {
    const absl::Time now = clock_.Now();
    connection.AwaitRequest(now + (first ? options_.handshake_timeout : options_.idle_timeout),
                            first);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(kMaxRequestBody);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, kAwait);
    connection.RequestArrived();
    if (ec) {
      std::optional<Response> refusal;
      if (ec == http::error::header_limit) {
        metrics_.Refuse(Refusal::kHeaderLimit);
        refusal = TextResponse(
            11, false, http::status::request_header_fields_too_large,
            absl::StrCat("request head larger than ", options_.max_header_bytes, " bytes"));
      } else if (ec == http::error::body_limit) {
        metrics_.Refuse(Refusal::kBadRequest);
        refusal =
            TextResponse(11, false, http::status::payload_too_large, "request body too large");
      } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        metrics_.Refuse(Refusal::kBadRequest);
        refusal = TextResponse(11, false, http::status::bad_request,
                               absl::StrCat("malformed HTTP request: ", ec.message()));
      } else if (!connection.timed_out() && !IsExpectedClose(ec) &&
                 ec != http::error::partial_message) {
        metrics_.io_errors.fetch_add(1, std::memory_order_relaxed);
        connection.NoteClose(session::CloseReason::kError);
      }
      if (refusal) co_await http::async_write(socket, *refusal, kAwait);
      break;
    }
    first = false;
    Request request = parser.release();
    const RequestTarget target = ParseTarget(request.target());
    std::optional<StreamRequest::Kind> stream;
    if (target.path == "/v1/ws" && beast::websocket::is_upgrade(request)) {
      stream = StreamRequest::Kind::kWs;
    } else if (target.path == "/v1/sse" && request.method() == http::verb::get) {
      stream = StreamRequest::Kind::kSse;
    }
    if (stream && sessions_.draining()) {
      metrics_.Refuse(Refusal::kDraining);
      Response refusal = TextResponse(
          request.version(), false, http::status::service_unavailable,
          "this node is draining; connect to another node and resume from your last id");
      refusal.set(http::field::retry_after, "1");
      co_await http::async_write(socket, refusal, kAwait);
      break;
    }
    if (stream && proxied) {
      const asio::ip::address client = trusted_proxies_.ClientOf(peer, ForwardedFor(request));
      lease.SetForwardedClient(client);
      if (!co_await AdmitClient(socket, client, request.version(), lease)) break;
    }
    if (stream) {
      std::optional<auth::BrowserGrant> grant;
      if (options_.access_tokens) {
        auth::TokenRefusal refusal;
        absl::StatusOr<auth::BrowserGrant> verified =
            options_.access_tokens->Verify(AccessToken(request, target), clock_.Now(), &refusal);
        if (!verified.ok()) {
          metrics_.CountRefused(refusal);
          observe::Log(observe::LogLevel::kWarn, "refused",
                       {{"reason", AbslView(auth::TokenRefusalName(refusal))},
                        {"peer", lease.Peer()},
                        {"path", AbslView(target.path)},
                        {"message", verified.status().message()}});
          Response refusal = TextResponse(request.version(), false, http::status::unauthorized,
                                          std::string(verified.status().message()));
          refusal.set(http::field::www_authenticate, "Bearer");
          co_await http::async_write(socket, refusal, kAwait);
          break;
        }
        grant = *std::move(verified);
      }
      if (*stream == StreamRequest::Kind::kWs) {
        if (std::optional<Response> refusal = ws::RefuseUpgrade(options_, metrics_, request)) {
          co_await http::async_write(socket, *refusal, kAwait);
          break;
        }
      }
      co_return StreamRequest{*stream, std::move(request), std::move(grant)};
    }
    Response response = Respond(request, target.path);
    if (observe::AccessLogEnabled()) {
      observe::AccessLog("http", {{"peer", lease.Peer()},
                                  {"method", AbslView(std::string_view(request.method_string()))},
                                  {"path", AbslView(target.path)},
                                  {"status", response.result_int()}});
    }
    const bool keep_alive = response.keep_alive();
    auto [write_ec, written] = co_await http::async_write(socket, response, kAwait);
    if (write_ec || !keep_alive) break;
  }
  co_return std::nullopt;
}

Response EdgeServer::Respond(const Request& request, const std::string& path) {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive() && !sessions_.draining();
  if (path == "/healthz") {
    return TextResponse(version, keep_alive, http::status::ok, "ok");
  }
  if (path == "/readyz") {
    if (sessions_.draining()) {
      return TextResponse(version, keep_alive, http::status::service_unavailable,
                          "draining: not accepting new work");
    }
    if (absl::Status engine = engine_.Readiness(); !engine.ok()) {
      return TextResponse(version, keep_alive, http::status::service_unavailable,
                          absl::StrCat("not ready: ", engine.message()));
    }
    return TextResponse(version, keep_alive, http::status::ok, "ready");
  }
  if (path == "/metrics") {
    Response response = TextResponse(version, keep_alive, http::status::ok, observe_.Render());
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return response;
  }
  if (path == "/v1/sse") {
    if (request.method() == http::verb::options) {
      if (absl::Status allowed =
              CheckOrigin(options_.allowed_origins, request[http::field::origin]);
          !allowed.ok()) {
        metrics_.Refuse(Refusal::kOrigin);
        return TextResponse(version, keep_alive, http::status::forbidden,
                            std::string(allowed.message()));
      }
      return PreflightResponse(request);
    }
    Response response =
        TextResponse(version, keep_alive, http::status::method_not_allowed, "use GET");
    response.set(http::field::allow, "GET, OPTIONS");
    return response;
  }
  if (path == "/v1/ws") {
    if (request.method() != http::verb::get) {
      Response response = TextResponse(version, false, http::status::method_not_allowed,
                                       "use GET with WebSocket upgrade headers");
      response.set(http::field::allow, "GET");
      return response;
    }
    Response response = TextResponse(version, false, http::status::upgrade_required,
                                     "this endpoint speaks WebSocket (herald.v1.json)");
    response.set(http::field::upgrade, "websocket");
    response.set(http::field::sec_websocket_version, ws::kWebSocketVersion);
    return response;
  }
  if (!options_.static_dir.empty()) return StaticFileResponse(options_.static_dir, path, request);
  return TextResponse(version, keep_alive, http::status::not_found,
                      absl::StrCat("no route for ", path));
}

void EdgeServer::Stop() {
  if (stopped_.exchange(true)) return;
  // Counted, so that Stop() does not return before the close has run. Only here: while the
  // node drains, load balancers and probes must still reach /readyz to see the 503.
  // No acceptor when Start() failed before it began accepting.
  if (acceptor_) {
    tasks_.Begin();
    asio::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      if (tls_acceptor_) tls_acceptor_->close(ignored);
      tasks_.End();
    });
  }
  sessions_.Abort(session::TransportSet::Of(
      {session::Transport::kHttp, session::Transport::kSse, session::Transport::kWs}));
  tasks_.WaitForZero();
}

}  // namespace herald::edge
