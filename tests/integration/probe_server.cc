// probe_server: an in-process herald::Broker with its browser edge, plus a test-only HTTP
// control port that creates topics and publishes, so that the protocol probes in
// shared/probes/ can run before heraldctl and the gRPC plane exist. Never shipped.
//
//   probe_server --http_port=18080 --control_port=18081 --heartbeat=2s --ws_ping=2s
//   curl -X POST 'http://127.0.0.1:18081/create?topic=a&max_events=5'
//   curl -X POST --data-binary 'hello' 'http://127.0.0.1:18081/publish?topic=a&event=x'
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "broker/broker.h"
#include "broker/edge/http_request.h"

ABSL_FLAG(int, http_port, 18080, "browser edge port");
ABSL_FLAG(int, control_port, 18081, "test control port (create, publish)");
ABSL_FLAG(absl::Duration, heartbeat, absl::Seconds(15), "SSE heartbeat interval");
ABSL_FLAG(absl::Duration, ws_ping, absl::Seconds(30), "WebSocket ping interval");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10), "handshake timeout");
ABSL_FLAG(uint64_t, max_ws_message_bytes, 1 << 20, "largest WebSocket message");
ABSL_FLAG(int, shards, 2, "I/O shards");

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

http::response<http::string_body> Handle(herald::Broker& broker,
                                         const http::request<http::string_body>& request) {
  const herald::edge::RequestTarget target = herald::edge::ParseTarget(request.target());
  http::response<http::string_body> response(http::status::ok, request.version());
  response.keep_alive(false);
  const std::string topic = target.First("topic").value_or("");
  absl::Status status;
  if (target.path == "/create") {
    herald::TopicConfig config{.name = topic};
    uint64_t max_events = 0;
    if (absl::SimpleAtoi(target.First("max_events").value_or(""), &max_events)) {
      config.retention.max_events = max_events;
    }
    config.allow_browser_publish = target.First("browser_publish").has_value();
    status = broker.CreateTopic(config).status();
  } else if (target.path == "/publish") {
    status = broker
                 .Publish({.topic = topic,
                           .type = target.First("event").value_or(""),
                           .data = request.body()})
                 .status();
  } else {
    status = absl::NotFoundError("use /create or /publish");
  }
  if (!status.ok()) {
    response.result(http::status::bad_request);
    response.body() = status.ToString() + "\n";
  }
  response.prepare_payload();
  return response;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  herald::BrokerOptions options;
  options.shards = static_cast<size_t>(absl::GetFlag(FLAGS_shards));
  options.serve_edge = true;
  options.edge.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_http_port));
  options.edge.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat);
  options.edge.ws_ping_interval = absl::GetFlag(FLAGS_ws_ping);
  options.edge.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.edge.max_ws_message_bytes = absl::GetFlag(FLAGS_max_ws_message_bytes);
  options.edge.sweep_interval = absl::Milliseconds(250);
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker = herald::Broker::Start(options);
  if (!broker.ok()) {
    std::fprintf(stderr, "probe_server: %s\n", broker.status().ToString().c_str());
    return EXIT_FAILURE;
  }

  // The control port: one blocking request at a time is plenty for the probes' commands.
  asio::io_context control;
  tcp::acceptor acceptor(control, {asio::ip::make_address("127.0.0.1"),
                                   static_cast<uint16_t>(absl::GetFlag(FLAGS_control_port))});
  std::thread control_thread([&] {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket(control);
      acceptor.accept(socket, ec);
      if (ec) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      http::write(socket, Handle(**broker, request), ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  });
  std::fprintf(stderr, "probe_server: edge on %d, control on %d\n", (*broker)->edge_port(),
               acceptor.local_endpoint().port());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  boost::system::error_code ignored;
  acceptor.close(ignored);
  ::shutdown(acceptor.native_handle(), SHUT_RDWR);
  control_thread.detach();
  broker->reset();
  return EXIT_SUCCESS;
}
