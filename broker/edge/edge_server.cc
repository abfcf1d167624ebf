#include "broker/edge/edge_server.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/websocket/rfc6455.hpp"
#include "broker/core/string_view.h"
#include "broker/edge/http_request.h"
#include "broker/edge/http_response.h"
#include "broker/edge/session_context.h"
#include "broker/edge/sse/sse_session.h"
#include "broker/edge/static_files.h"
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

void CloseGracefully(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace

EdgeServer::EdgeServer(EdgeOptions options, Engine& engine, fanout::ShardPool& shards,
                       session::SessionRegistry& sessions, observe::Metrics& observe,
                       const Clock& clock)
    : options_(std::move(options)),
      engine_(engine),
      shards_(shards),
      sessions_(sessions),
      observe_(observe),
      clock_(clock),
      collector_(std::make_shared<EdgeCollector>(metrics_, sessions, engine)) {
  metrics_.delivery_seconds = &observe.delivery_seconds();
  observe_.Add(collector_);
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
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("edge address '", options.address,
                                                   "' is not an IP address (", ec.message(), ")"));
  }
  std::unique_ptr<EdgeServer> server(
      new EdgeServer(std::move(options), engine, shards, sessions, observe, clock));
  // Bound here, on the caller's thread, so a port in use is an error of Start(); the
  // acceptor is used only on shard 0 once Accept() runs.
  auto acceptor = std::make_unique<tcp::acceptor>(shards.shard(0).context());
  const tcp::endpoint endpoint(address, server->options_.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrFormat("cannot listen on %s:%d: %s; pick another port",
                                                  server->options_.address, server->options_.port,
                                                  ec.message()));
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  server->Spawn(shards.shard(0).context(), server->Accept());
  return server;
}

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

asio::awaitable<void> EdgeServer::Accept() {
  while (true) {
    fanout::Shard& shard = shards_.Next();
    auto [ec, socket] = co_await acceptor_->async_accept(shard.context(), kAwait);
    if (ec) {
      if (!acceptor_->is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory: count it and give the process a moment rather than
      // spin on the same error.
      metrics_.io_errors.fetch_add(1, std::memory_order_relaxed);
      asio::steady_timer pause(acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kAwait);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    Spawn(shard.context(),
          Serve(sessions_.shard(shard.id()), std::move(socket), ConnectionLease(metrics_, tasks_)));
  }
}

asio::awaitable<void> EdgeServer::Serve(session::ShardSessions& sessions, tcp::socket socket,
                                        ConnectionLease lease) {
  std::optional<StreamRequest> stream = co_await ServeHttp(sessions, socket);
  if (!stream) {
    CloseGracefully(socket);
    co_return;
  }
  SessionContext context{.options = options_,
                         .engine = engine_,
                         .shard = sessions.shard(),
                         .sessions = sessions,
                         .metrics = metrics_,
                         .grant = stream->grant ? &*stream->grant : nullptr};
  // Either stream runs on its own from here: this coroutine's frame is not kept for it.
  switch (stream->kind) {
    case StreamRequest::Kind::kSse:
      sse::StartSseSession(context, std::move(socket), stream->request, std::move(lease));
      break;
    case StreamRequest::Kind::kWs:
      ws::StartWsSession(context, std::move(socket), std::move(stream->request), std::move(lease));
      break;
  }
}

asio::awaitable<std::optional<EdgeServer::StreamRequest>> EdgeServer::ServeHttp(
    session::ShardSessions& sessions, tcp::socket& socket) {
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
  beast::flat_buffer buffer;
  HttpConnection connection(socket);
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
    if (stream) {
      std::optional<auth::BrowserGrant> grant;
      if (options_.access_tokens) {
        absl::StatusOr<auth::BrowserGrant> verified =
            options_.access_tokens->Verify(AccessToken(request, target), clock_.Now());
        if (!verified.ok()) {
          metrics_.Refuse(Refusal::kUnauthenticated);
          observe::Log(observe::LogLevel::kWarn, "refused",
                       {{"reason", "unauthenticated"},
                        {"peer", FormatPeer(PeerOf(socket))},
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
      observe::AccessLog("http", {{"peer", FormatPeer(PeerOf(socket))},
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
    response.set(http::field::sec_websocket_version, "13");
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
  tasks_.Begin();
  asio::post(acceptor_->get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    tasks_.End();
  });
  sessions_.Abort(session::TransportSet::Of(
      {session::Transport::kHttp, session::Transport::kSse, session::Transport::kWs}));
  tasks_.WaitForZero();
}

}  // namespace herald::edge
