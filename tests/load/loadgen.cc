// herald_loadgen: fan-out load against Herald or a peer server (nchan), measured by the same
// client. Opens N SSE or WebSocket subscribers, publishes sequenced events stamped with their
// CLOCK_MONOTONIC send time, and accounts every delivery per connection: lost and duplicated
// events are counted, and publish→deliver latency is measured for each delivery.
//
//   herald_loadgen --transport=sse --connections=1000 --grpc=127.0.0.1:50051 --topic=load
//       --sse_url='http://127.0.0.1:8080/v1/sse?topic=load' --server_pid=$(pidof heraldd)
//   herald_loadgen --transport=sse --connections=1000 --topic=load
//       --publish_url='http://127.0.0.1:18090/pub?id=load'
//       --sse_url='http://127.0.0.1:18090/sub/load' --server_pid=...
//
// With --resume_behind=N it runs a reconnect storm instead: publishes N + 1 events, then
// connects every subscriber at once resuming from the first event's id (Last-Event-ID), and
// measures the time until all have received the head, and the server's CPU time meanwhile.
// A failed handshake is retried then, as EventSource does; reconnects counts the retries.
//
//   herald_loadgen --resume_behind=1000 --connections=10000 --connect_concurrency=10000 ...
//
// With --ws_deflate the WebSocket subscriber offers permessage-deflate as Chromium does and
// inflates what the server compressed; --payload_json makes payloads that compress as event
// payloads do. The summary counts the events that arrived compressed and uncompressed.
//
//   herald_loadgen --transport=ws --ws_deflate --payload_json --payload=512 ...
//
// https:// and wss:// URLs connect over TLS, trusting the CA in --tls_ca and checking the
// URL's host against the server's certificate:
//
//   herald_loadgen --sse_url='https://127.0.0.1:8443/v1/sse?topic=load' --tls_ca=ca.pem ...
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "broker/wire/ws_client_frames.h"
#include "grpcpp/grpcpp.h"
#include "tests/load/latency_histogram.h"
#include "tests/load/measure.h"
#include "tests/load/payload.h"
#include "tests/load/permessage_deflate.h"
#include "tests/load/sse_stream_parser.h"
#include "tests/load/url.h"

ABSL_FLAG(std::string, transport, "sse", "subscriber transport: sse or ws");
ABSL_FLAG(std::string, sse_url, "http://127.0.0.1:8080/v1/sse?topic=load",
          "SSE subscribe URL (http://host:port/path)");
ABSL_FLAG(std::string, ws_url, "ws://127.0.0.1:8080/v1/ws", "Herald WebSocket URL");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate that subscribers on https:// and wss:// URLs trust");
ABSL_FLAG(std::string, topic, "load", "topic to publish to and (WS) subscribe to");
ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "Herald gRPC address (publisher)");
ABSL_FLAG(std::string, token, "", "bearer token for Herald's gRPC API");
ABSL_FLAG(std::string, publish_url, "",
          "publish by HTTP POST to this URL instead of gRPC (for a peer such as nchan)");
ABSL_FLAG(int, connections, 1000, "subscriber connections");
ABSL_FLAG(int, connect_concurrency, 256, "handshakes in flight at once");
ABSL_FLAG(double, rate, 0, "events per second; 0 publishes as fast as acks allow");
ABSL_FLAG(int, window, 64, "unacknowledged publishes in flight");
ABSL_FLAG(int, payload, 64, "bytes per event");
ABSL_FLAG(bool, payload_json, false,
          "payloads are JSON objects with repeated keys, as event payloads are (padding "
          "otherwise): what --ws_deflate compresses realistically");
ABSL_FLAG(bool, ws_deflate, false,
          "the WebSocket subscriber offers permessage-deflate as Chromium does and inflates "
          "compressed messages");
ABSL_FLAG(double, warmup, 2, "seconds of publishing before measuring");
ABSL_FLAG(double, duration, 10, "seconds measured");
ABSL_FLAG(double, drain, 3, "seconds to wait for deliveries after publishing stops");
ABSL_FLAG(bool, idle, false, "publish nothing: measure server memory per idle connection");
ABSL_FLAG(int, server_pid, 0, "server process for CPU and RSS figures (0: none)");
ABSL_FLAG(std::string, label, "", "name of this run in the summary");
ABSL_FLAG(std::string, json, "", "also write the results as JSON to this file");
ABSL_FLAG(int, resume_behind, 0,
          "reconnect storm: every subscriber resumes this many events behind the head "
          "(0: the fan-out scenario)");
ABSL_FLAG(double, storm_timeout, 300, "reconnect storm: seconds to wait for all to catch up");

namespace herald::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// The raw value of a JSON string field whose value has no escapes: Herald's WebSocket events
// and nchan's publish answers ("last_message_id": "..."), neither of which escapes ids.
std::string_view JsonField(std::string_view json, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\":";
  const size_t at = json.find(key);
  if (at == std::string_view::npos) return {};
  const size_t start = json.find_first_not_of(' ', at + key.size());
  if (start == std::string_view::npos || json[start] != '"') return {};
  const size_t end = json.find('"', start + 1);
  return end == std::string_view::npos ? std::string_view()
                                       : json.substr(start + 1, end - start - 1);
}

// Whether the quote at `at` is escaped: an odd run of backslashes before it.
bool IsEscaped(std::string_view json, size_t at) {
  size_t backslashes = 0;
  while (backslashes < at && json[at - 1 - backslashes] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

// `raw`, a JSON string's contents, unescaped into `scratch` when it holds escapes. An escape
// stands for the character after the backslash: right for \" \\ and \/, the only ones in the
// load tool's payloads.
std::string_view Unescaped(std::string_view raw, std::string& scratch) {
  size_t backslash = raw.find('\\');
  if (backslash == std::string_view::npos) return raw;
  // The runs between escapes are copied whole: JSON payloads escape every quote.
  scratch.clear();
  size_t from = 0;
  while (backslash != std::string_view::npos && backslash + 1 < raw.size()) {
    scratch.append(raw.substr(from, backslash - from));
    scratch.push_back(raw[backslash + 1]);
    from = backslash + 2;
    backslash = raw.find('\\', from);
  }
  if (from < raw.size()) scratch.append(raw.substr(from));
  return scratch;
}

// The id and data of a Herald event message, read in the order the server writes its fields
// ({"op":"event","topic":…,"id":…,"event":…,"data":…}) in one pass: a search for each key
// ran memchr over every quote of the message, 45 % of the load tool's time in scenario A over
// WebSocket. The data, last, runs to the message's closing `"}`: a JSON payload's escaped
// quotes are not searched one by one. False for any other message.
bool ParseEventMessage(std::string_view text, std::string& scratch, std::string_view& id,
                       std::string_view& data) {
  std::string_view rest = text;
  auto literal = [&rest](std::string_view expected) {
    if (rest.substr(0, expected.size()) != expected) return false;
    rest.remove_prefix(expected.size());
    return true;
  };
  // A string's raw contents, through its closing quote.
  auto string = [&rest](std::string_view& value) {
    size_t end = rest.find('"');
    while (end != std::string_view::npos && IsEscaped(rest, end)) end = rest.find('"', end + 1);
    if (end == std::string_view::npos) return false;
    value = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    return true;
  };
  std::string_view topic, event;
  if (!literal(R"({"op":"event","topic":")") || !string(topic) || !literal(R"(,"id":")") ||
      !string(id) || !literal(R"(,"event":")") || !string(event) || !literal(R"(,"data":")") ||
      !rest.ends_with(R"("})")) {
    return false;
  }
  data = Unescaped(rest.substr(0, rest.size() - 2), scratch);
  return true;
}

// A subscriber's connection: TCP, or TLS over it. Reads and writes complete as tuples.
class Connection {
 public:
  explicit Connection(tcp::socket socket) : stream_(std::move(socket)) {}
  Connection(tcp::socket socket, asio::ssl::context& tls)
      : stream_(std::in_place_type<asio::ssl::stream<tcp::socket>>, std::move(socket), tls) {}

  asio::ssl::stream<tcp::socket>* tls() {
    return std::get_if<asio::ssl::stream<tcp::socket>>(&stream_);
  }

  asio::awaitable<std::tuple<boost::system::error_code, size_t>> ReadSome(
      asio::mutable_buffer buffer) {
    return std::visit([&](auto& s) { return s.async_read_some(buffer, kUseTuple); }, stream_);
  }

  asio::awaitable<std::tuple<boost::system::error_code, size_t>> Write(asio::const_buffer buffer) {
    return std::visit([&](auto& s) { return asio::async_write(s, buffer, kUseTuple); }, stream_);
  }

 private:
  std::variant<tcp::socket, asio::ssl::stream<tcp::socket>> stream_;
};

// Per-connection sequence accounting (single-threaded: the subscribers' io_context).
struct Accounting {
  uint64_t last_seq = 0;
  uint64_t received = 0;
  uint64_t duplicates = 0;
  uint64_t gaps = 0;
  uint64_t reconnects = 0;
  std::string last_id;
  bool connected = false;
  bool failed = false;  // its first handshake failed; it gave up
  // When this subscriber received the reconnect storm's head; 0: not yet.
  uint64_t caught_up_ns = 0;
};

struct Totals {
  LatencyHistogram latency;
  uint64_t measured_deliveries = 0;
  int connected = 0;
  int failed_connects = 0;
  int caught_up = 0;
  std::string first_error;
  // WebSocket events by whether their message was compressed (RSV1).
  uint64_t compressed_events = 0;
  uint64_t uncompressed_events = 0;
  // The first protocol error after a handshake; the subscriber reconnected after it.
  std::string stream_error;
};

class Subscribers {
 public:
  Subscribers(asio::io_context& io, const Window& window)
      : io_(io), window_(window), tls_(asio::ssl::context::tls_client) {
    accounting_.resize(absl::GetFlag(FLAGS_connections));
    tls_.set_verify_mode(asio::ssl::verify_peer);
    if (const std::string ca = absl::GetFlag(FLAGS_tls_ca); !ca.empty()) {
      boost::system::error_code ec;
      tls_.load_verify_file(ca, ec);
      if (ec) {
        std::fprintf(stderr, "herald_loadgen: cannot read --tls_ca %s: %s\n", ca.c_str(),
                     ec.message().c_str());
        std::exit(2);
      }
    }
  }

  void Start() { asio::co_spawn(io_, Launch(), asio::detached); }

  // Every subscriber starts from event `id`, having seen events 1..`seq`. Before Start().
  void ResumeFrom(const std::string& id, uint64_t seq) {
    for (Accounting& a : accounting_) {
      a.last_id = id;
      a.last_seq = seq;
    }
  }

  // Stamps each subscriber's caught_up_ns when it receives event `seq`. Before Start().
  void CatchUpTo(uint64_t seq) { catch_up_seq_ = seq; }

  // A subscriber whose first handshake fails tries again, as EventSource does, instead of
  // giving up. Before Start().
  void RetryHandshakes() { retry_handshakes_ = true; }

  Totals& totals() { return totals_; }
  const std::vector<Accounting>& accounting() const { return accounting_; }

 private:
  asio::awaitable<void> Launch() {
    const int limit = absl::GetFlag(FLAGS_connect_concurrency);
    asio::steady_timer timer(io_);
    for (size_t i = 0; i < accounting_.size(); ++i) {
      while (handshakes_ >= limit) {
        timer.expires_after(std::chrono::milliseconds(1));
        co_await timer.async_wait(kUseTuple);
      }
      ++handshakes_;
      if (absl::GetFlag(FLAGS_transport) == "ws") {
        asio::co_spawn(io_, RunWs(i), asio::detached);
      } else {
        asio::co_spawn(io_, RunSse(i), asio::detached);
      }
    }
  }

  void Deliver(Accounting& a, std::string_view data, std::string_view id) {
    uint64_t seq = 0;
    uint64_t sent = 0;
    if (!ParsePayload(data, seq, sent)) return;
    const uint64_t now = MonotonicNanos();
    ++a.received;
    if (!id.empty()) a.last_id.assign(id);
    if (seq <= a.last_seq) {
      ++a.duplicates;
      return;
    }
    if (seq > a.last_seq + 1) a.gaps += seq - a.last_seq - 1;
    a.last_seq = seq;
    if (catch_up_seq_ != 0 && seq >= catch_up_seq_ && a.caught_up_ns == 0) {
      a.caught_up_ns = now;
      ++totals_.caught_up;
    }
    if (window_.Contains(now)) {
      totals_.latency.Record(now - sent);
      ++totals_.measured_deliveries;
    }
  }

  // Counts the first handshake's outcome, once per subscriber; later calls do nothing. A
  // failure ends the subscriber unless RetryHandshakes() was called.
  void HandshakeDone(Accounting& a, bool ok, const std::string& error) {
    if (a.connected || a.failed) return;
    if (!ok) {
      if (totals_.first_error.empty()) totals_.first_error = error;
      if (!retry_handshakes_) GiveUp(a);
      return;
    }
    --handshakes_;
    a.connected = true;
    ++totals_.connected;
  }

  // Ends a subscriber that never connected; nothing once it did.
  void GiveUp(Accounting& a) {
    if (a.connected || a.failed) return;
    --handshakes_;
    a.failed = true;
    ++totals_.failed_connects;
  }

  // A connected socket (with its TLS handshake done for https:// and wss://), or nothing
  // after reporting the failure for the connection `a`.
  asio::awaitable<std::optional<Connection>> Connect(Accounting& a, const Url& url) {
    tcp::resolver resolver(io_);
    auto [rerr, endpoints] = co_await resolver.async_resolve(url.host, url.port, kUseTuple);
    tcp::socket socket(io_);
    auto [cerr, ep] = co_await asio::async_connect(socket, endpoints, kUseTuple);
    if (rerr || cerr) {
      HandshakeDone(a, false, "connect: " + (rerr ? rerr : cerr).message());
      co_return std::nullopt;
    }
    socket.set_option(tcp::no_delay(true));
    if (!url.tls) co_return Connection(std::move(socket));
    Connection connection(std::move(socket), tls_);
    asio::ssl::stream<tcp::socket>& stream = *connection.tls();
    SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    auto [herr] = co_await stream.async_handshake(asio::ssl::stream_base::client, kUseTuple);
    if (herr) {
      HandshakeDone(a, false, "tls handshake: " + herr.message());
      co_return std::nullopt;
    }
    co_return std::move(connection);
  }

  // One SSE subscriber; reconnects with Last-Event-ID when the server closes the stream.
  asio::awaitable<void> RunSse(size_t index) {
    Accounting& a = accounting_[index];
    const std::optional<Url> url = ParseUrl(absl::GetFlag(FLAGS_sse_url));
    if (!url) {
      HandshakeDone(a, false, "bad --sse_url");
      GiveUp(a);
      co_return;
    }
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::optional<Connection> connected = co_await Connect(a, *url);
      if (!connected) {
        if (a.failed) co_return;
        continue;
      }
      Connection& socket = *connected;
      std::string request = "GET " + url->target + " HTTP/1.1\r\nHost: " + url->host + ":" +
                            url->port + "\r\nAccept: text/event-stream\r\n";
      if (!a.last_id.empty()) request += "Last-Event-ID: " + a.last_id + "\r\n";
      request += "\r\n";
      auto [werr, wn] = co_await socket.Write(asio::buffer(request));
      if (werr) continue;
      SseStreamParser parser([&](const SseEvent& e) { Deliver(a, e.data, e.id); });
      std::vector<char> buffer(16 * 1024);
      while (true) {
        auto [err, n] = co_await socket.ReadSome(asio::buffer(buffer));
        if (err) {
          // An overloaded server may close a handshake it could not serve in time.
          HandshakeDone(a, false, "closed during the handshake: " + err.message());
          break;
        }
        const bool ok = parser.Feed(std::string_view(buffer.data(), n));
        if (parser.headers_done() || !ok) HandshakeDone(a, ok, parser.error());
        if (!ok) break;
      }
      if (a.failed || stopping_) co_return;
      ++a.reconnects;
    }
    GiveUp(a);
  }

  // One WebSocket subscriber (herald.v1.json); resubscribes from its last id after a close.
  // Frames are read straight off the socket rather than through Beast so that the client,
  // sharing a core budget with thousands of others, costs far less than the server it
  // measures: server frames are unmasked, and herald's events are single unfragmented frames.
  asio::awaitable<void> RunWs(size_t index) {
    Accounting& a = accounting_[index];
    const std::optional<Url> url = ParseUrl(absl::GetFlag(FLAGS_ws_url));
    if (!url) {
      HandshakeDone(a, false, "bad --ws_url");
      GiveUp(a);
      co_return;
    }
    const std::string topic = absl::GetFlag(FLAGS_topic);
    const bool offer_deflate = absl::GetFlag(FLAGS_ws_deflate);
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::optional<Connection> connected = co_await Connect(a, *url);
      if (!connected) {
        if (a.failed) co_return;
        continue;
      }
      Connection& socket = *connected;
      std::string subscribe = R"({"op":"subscribe","topic":")" + topic + "\"";
      if (!a.last_id.empty()) subscribe += R"(,"from":")" + a.last_id + "\"";
      subscribe += "}";
      std::string request = "GET " + url->target + " HTTP/1.1\r\nHost: " + url->host + ":" +
                            url->port +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: herald.v1.json"
                            "\r\n";
      // Chromium's offer, byte for byte: the server picks both windows.
      if (offer_deflate) {
        request += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
      }
      request += "\r\n";
      auto [werr, wn] = co_await socket.Write(asio::buffer(request));
      if (werr) continue;
      std::string in;
      bool upgraded = false;
      // Set at the upgrade when the server accepted permessage-deflate: the shared one, or the
      // subscriber's own when the server keeps context between messages.
      std::optional<MessageInflater> own_inflater;
      MessageInflater* inflater = nullptr;
      std::string inflated;
      std::vector<char> buffer(16 * 1024);
      while (true) {
        auto [err, n] = co_await socket.ReadSome(asio::buffer(buffer));
        if (err) {
          // An overloaded server may close a handshake it could not serve in time.
          HandshakeDone(a, false, "closed during the handshake: " + err.message());
          break;
        }
        // Whole frames are parsed where they were read: only the handshake and a frame split
        // across reads are copied into `in`.
        std::string_view bytes(buffer.data(), n);
        if (!in.empty() || !upgraded) {
          in.append(bytes);
          bytes = in;
        }
        if (!upgraded) {
          const size_t end = in.find("\r\n\r\n");
          if (end == std::string::npos) continue;
          if (in.compare(0, 12, "HTTP/1.1 101") != 0) {
            HandshakeDone(a, false, in.substr(0, in.find('\r')));
            break;
          }
          const DeflateResponse deflate = ParseDeflateResponse(
              HeaderValue(std::string_view(in).substr(0, end + 2), "sec-websocket-extensions"));
          if (deflate.accepted) {
            inflater = deflate.server_no_context_takeover
                           ? &SharedInflater(deflate.server_max_window_bits)
                           : &own_inflater.emplace(deflate.server_max_window_bits, false);
          }
          upgraded = true;
          in.erase(0, end + 4);
          bytes = in;
          // RFC 6455 4.1: no data frame before the server's handshake response.
          const std::string frame =
              wire::ClientFrame({.opcode = wire::kWsText, .payload = subscribe});
          auto [serr, sn] = co_await socket.Write(asio::buffer(frame));
          if (serr) break;
        }
        size_t used = 0;
        bool closed = false;
        while (!closed) {
          const std::optional<wire::ServerFrame> frame = wire::TakeServerFrame(bytes.substr(used));
          if (!frame) break;
          used += frame->size;
          if (frame->opcode == wire::kWsText) {
            closed = !HandleMessage(a, *frame, inflater, inflated);
          } else if (frame->opcode == wire::kWsPing) {
            const std::string pong = wire::ClientFrame(
                {.opcode = wire::kWsPong, .payload = std::string(frame->payload)});
            co_await socket.Write(asio::buffer(pong));
          } else if (frame->opcode == wire::kWsClose) {
            closed = true;
          }
        }
        if (bytes.data() == in.data()) {
          in.erase(0, used);
        } else {
          in.assign(bytes.substr(used));
        }
        if (closed) break;
      }
      if (a.failed || stopping_) co_return;
      ++a.reconnects;
    }
    GiveUp(a);
  }

  // Handles one text message of subscriber `a`; false when the connection must close.
  bool HandleMessage(Accounting& a, const wire::ServerFrame& frame, MessageInflater* inflater,
                     std::string& inflated) {
    std::string_view text = frame.payload;
    if (!frame.fin) return StreamError("a fragmented message (the load tool reads whole ones)");
    if (frame.compressed) {
      if (!inflater) return StreamError("RSV1 set without permessage-deflate");
      if (!inflater->Inflate(text, inflated)) return StreamError("a message that did not inflate");
      text = inflated;
    }
    std::string_view id, data;
    if (ParseEventMessage(text, unescaped_, id, data)) {
      ++(frame.compressed ? totals_.compressed_events : totals_.uncompressed_events);
      Deliver(a, data, id);
      return true;
    }
    const std::string_view op = JsonField(text, "op");
    if (op == "subscribed") {
      HandshakeDone(a, true, "");
    } else if (op == "error") {
      HandshakeDone(a, false, std::string(text));
    }
    return true;
  }

  // One inflater for every subscriber whose server compresses each message on its own
  // (server_no_context_takeover), reset per message as the server shares its deflater: its
  // state stays in cache, where one per connection was 8 KiB of cold state per message.
  MessageInflater& SharedInflater(int window_bits) {
    std::unique_ptr<MessageInflater>& inflater = shared_inflaters_[window_bits];
    if (!inflater) inflater = std::make_unique<MessageInflater>(window_bits, true);
    return *inflater;
  }

  // Keeps the first error a subscriber met after its handshake; false, to close it.
  bool StreamError(std::string_view what) {
    if (totals_.stream_error.empty()) totals_.stream_error = what;
    return false;
  }

  // The value of header `lower_name` in an HTTP response head; empty when absent.
  static std::string_view HeaderValue(std::string_view head, std::string_view lower_name) {
    for (size_t eol = head.find("\r\n"); eol != std::string_view::npos;) {
      head.remove_prefix(eol + 2);
      eol = head.find("\r\n");
      const std::string_view line = head.substr(0, eol);
      if (line.size() <= lower_name.size() || line[lower_name.size()] != ':') continue;
      bool match = true;
      for (size_t i = 0; i < lower_name.size() && match; ++i) {
        match = std::tolower(static_cast<unsigned char>(line[i])) == lower_name[i];
      }
      if (!match) continue;
      std::string_view value = line.substr(lower_name.size() + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return value;
    }
    return {};
  }

 public:
  bool stopping_ = false;

 private:
  asio::io_context& io_;
  const Window& window_;
  std::vector<Accounting> accounting_;
  // Shared by every TLS subscriber: trusts --tls_ca.
  asio::ssl::context tls_;
  int handshakes_ = 0;
  bool retry_handshakes_ = false;
  uint64_t catch_up_seq_ = 0;
  Totals totals_;
  // By window bits (8 to 15): see SharedInflater().
  std::array<std::unique_ptr<MessageInflater>, 16> shared_inflaters_;
  // Event data unescaped from a WebSocket message (see ParseEventMessage), reused.
  std::string unescaped_;
};

// Event `seq`'s data: --payload bytes, JSON when --payload_json says so.
std::string EventData(uint64_t seq) {
  const auto size = static_cast<size_t>(absl::GetFlag(FLAGS_payload));
  return absl::GetFlag(FLAGS_payload_json) ? MakeJsonPayload(seq, size) : MakePayload(seq, size);
}

// Publishes seq 1, 2, ... at --rate (or as fast as acks allow) within --window unacked.
class Publisher {
 public:
  virtual ~Publisher() = default;
  // Runs until `stop` is set or StopAfter's count was sent; returns the last sequence number
  // acknowledged.
  virtual uint64_t Run(const std::atomic<bool>& stop) = 0;
  const std::string& error() const { return error_; }

  // Publishes events 1..`events` only (0: no limit). Before Run().
  void StopAfter(uint64_t events) { limit_ = events; }
  // Keeps the id the server acknowledged event `seq` with (a resume cursor). Before Run().
  void KeepIdOf(uint64_t seq) { keep_seq_ = seq; }
  // The id kept by KeepIdOf; empty until that event is acknowledged. After Run().
  const std::string& kept_id() const { return kept_id_; }

 protected:
  bool Done(const std::atomic<bool>& stop, uint64_t sent) const {
    return stop || (limit_ != 0 && sent >= limit_);
  }
  void Acked(uint64_t seq, std::string_view id) {
    if (seq == keep_seq_) kept_id_ = std::string(id);
  }

  // Sleeps until event `seq` is due under --rate.
  static void Pace(uint64_t seq, uint64_t start_ns) {
    const double rate = absl::GetFlag(FLAGS_rate);
    if (rate <= 0) return;
    const auto due = start_ns + static_cast<uint64_t>(static_cast<double>(seq - 1) * 1e9 / rate);
    const uint64_t now = MonotonicNanos();
    if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
  }
  std::string error_;

 private:
  uint64_t limit_ = 0;
  uint64_t keep_seq_ = 0;
  std::string kept_id_;
};

class GrpcPublisher final : public Publisher {
 public:
  uint64_t Run(const std::atomic<bool>& stop) override {
    auto channel =
        grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials());
    auto stub = herald::v1::PublishService::NewStub(channel);
    grpc::ClientContext context;
    const std::string token = absl::GetFlag(FLAGS_token);
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    auto stream = stub->PublishStream(&context);
    const int window = absl::GetFlag(FLAGS_window);
    std::mutex mu;
    std::condition_variable cv;
    uint64_t acked = 0;
    bool reader_done = false;
    std::thread reader([&] {
      herald::v1::PublishResponse response;
      while (stream->Read(&response)) {
        std::lock_guard lock(mu);
        Acked(++acked, response.id());
        cv.notify_all();
      }
      std::lock_guard lock(mu);
      reader_done = true;
      cv.notify_all();
    });
    const uint64_t start = MonotonicNanos();
    herald::v1::PublishRequest request;
    request.set_topic(absl::GetFlag(FLAGS_topic));
    uint64_t sent = 0;
    while (!Done(stop, sent)) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return sent - acked < static_cast<uint64_t>(window) || reader_done; });
        if (reader_done) break;
      }
      Pace(sent + 1, start);
      request.set_data(EventData(sent + 1));
      if (!stream->Write(request)) break;
      ++sent;
    }
    stream->WritesDone();
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return acked == sent || reader_done; });
    }
    grpc::Status status = stream->Finish();
    reader.join();
    if (!status.ok()) error_ = status.error_message();
    return acked;
  }
};

// HTTP/1.1 POST publisher for a peer server: one keep-alive connection with up to --window
// pipelined requests, so the server receives (and orders) events exactly as numbered.
class HttpPublisher final : public Publisher {
 public:
  uint64_t Run(const std::atomic<bool>& stop) override {
    const std::optional<Url> url = ParseUrl(absl::GetFlag(FLAGS_publish_url));
    if (!url) {
      error_ = "bad --publish_url";
      return 0;
    }
    const uint64_t window = static_cast<uint64_t>(absl::GetFlag(FLAGS_window));
    const bool paced = absl::GetFlag(FLAGS_rate) > 0;
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code ec;
    asio::connect(socket, tcp::resolver(io).resolve(url->host, url->port), ec);
    if (ec) {
      error_ = "publish connection: " + ec.message();
      return 0;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::streambuf response;
    const uint64_t start = MonotonicNanos();
    uint64_t sent = 0;
    uint64_t acked = 0;
    while (!ec && (!Done(stop, sent) || acked < sent)) {
      std::string requests;
      while (!Done(stop, sent) && sent - acked < window && requests.size() < 64 * 1024) {
        Pace(sent + 1, start);
        const std::string body = EventData(++sent);
        requests += "POST " + url->target + " HTTP/1.1\r\nHost: " + url->host +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nAccept: text/json\r\n\r\n" + body;
        if (paced) break;
      }
      if (!requests.empty()) asio::write(socket, asio::buffer(requests), ec);
      if (ec || acked == sent) continue;
      // Paced, it takes only the acks that have arrived and waits for one only with a full
      // window: a server that acks after its fan-out must not slow the events' pace.
      if (paced && !Done(stop, sent) && sent - acked < window && response.size() == 0 &&
          socket.available(ec) == 0) {
        continue;
      }
      const size_t head = asio::read_until(socket, response, "\r\n\r\n", ec);
      if (ec) break;
      const std::string headers(asio::buffers_begin(response.data()),
                                asio::buffers_begin(response.data()) + head);
      response.consume(head);
      size_t length = 0;
      if (const size_t at = headers.find("Content-Length: "); at != std::string::npos) {
        length = std::stoul(headers.substr(at + 16));
      }
      if (response.size() < length) {
        asio::read(socket, response, asio::transfer_exactly(length - response.size()), ec);
      }
      const std::string body(asio::buffers_begin(response.data()),
                             asio::buffers_begin(response.data()) + length);
      response.consume(length);
      if (headers.size() < 10 || headers[9] != '2') {
        error_ = headers.substr(0, headers.find('\r'));
        break;
      }
      Acked(++acked, JsonField(body, "last_message_id"));
    }
    if (ec && error_.empty()) error_ = "publish connection: " + ec.message();
    return acked;
  }
};

// Runs `io` until `predicate` holds or `seconds` have passed.
void RunUntil(asio::io_context& io, const std::function<bool()>& predicate, double seconds) {
  const uint64_t deadline = MonotonicNanos() + static_cast<uint64_t>(seconds * 1e9);
  while (!predicate() && MonotonicNanos() < deadline) io.run_for(std::chrono::milliseconds(10));
}

// Herald's gRPC publisher unless --publish_url names a peer's HTTP endpoint.
std::unique_ptr<Publisher> MakePublisher() {
  if (absl::GetFlag(FLAGS_publish_url).empty()) return std::make_unique<GrpcPublisher>();
  return std::make_unique<HttpPublisher>();
}

// The fan-out scenario: subscribers connect, then events are published for the measured window.
int RunFanout() {
  const int connections = absl::GetFlag(FLAGS_connections);
  const int pid = absl::GetFlag(FLAGS_server_pid);
  const std::optional<ProcessSample> baseline = SampleProcess(pid);

  Window window;
  asio::io_context io(1);
  Subscribers subscribers(io, window);
  subscribers.Start();
  auto run_until = [&](const std::function<bool()>& predicate, double seconds) {
    RunUntil(io, predicate, seconds);
  };
  Totals& totals = subscribers.totals();
  run_until([&] { return totals.connected + totals.failed_connects >= connections; }, 120);
  if (totals.connected < connections) {
    std::fprintf(stderr, "loadgen: %d of %d subscribers connected (%d failed: %s)\n",
                 totals.connected, connections, totals.failed_connects, totals.first_error.c_str());
    if (totals.connected == 0) return 1;
  }

  uint64_t published = 0;
  std::string publish_error;
  std::optional<ProcessSample> before;
  std::optional<ProcessSample> after;
  const double measured = absl::GetFlag(FLAGS_duration);
  if (absl::GetFlag(FLAGS_idle)) {
    run_until([] { return false; }, 2);
    after = SampleProcess(pid);
  } else {
    std::atomic<bool> stop{false};
    std::unique_ptr<Publisher> publisher = MakePublisher();
    std::thread publishing([&] {
      published = publisher->Run(stop);
      publish_error = publisher->error();
    });
    const uint64_t start = MonotonicNanos();
    window.begin = start + static_cast<uint64_t>(absl::GetFlag(FLAGS_warmup) * 1e9);
    window.end = window.begin + static_cast<uint64_t>(measured * 1e9);
    run_until([&] { return MonotonicNanos() >= window.begin.load(); }, 1e9);
    before = SampleProcess(pid);
    run_until([&] { return MonotonicNanos() >= window.end.load(); }, 1e9);
    after = SampleProcess(pid);
    stop = true;
    // Keep reading while the publisher finishes and the last deliveries arrive.
    std::atomic<bool> joined{false};
    std::thread joiner([&] {
      publishing.join();
      joined = true;
    });
    run_until([&] { return joined.load(); }, 60);
    joiner.join();
    run_until(
        [&] {
          for (const Accounting& a : subscribers.accounting()) {
            if (a.connected && a.last_seq < published) return false;
          }
          return true;
        },
        absl::GetFlag(FLAGS_drain));
  }
  subscribers.stopping_ = true;

  uint64_t lost = 0, duplicates = 0, reconnects = 0, delivered = 0;
  for (const Accounting& a : subscribers.accounting()) {
    if (!a.connected) continue;
    // Every subscriber connected before the first publish, so it is owed 1..published.
    lost += a.gaps + (published > a.last_seq ? published - a.last_seq : 0);
    duplicates += a.duplicates;
    reconnects += a.reconnects;
    delivered += a.received;
  }
  const double rate = static_cast<double>(totals.measured_deliveries) / measured;
  const LatencyHistogram& h = totals.latency;
  const double cpu =
      before && after ? 100.0 * (after->cpu_seconds - before->cpu_seconds) / measured : -1;
  const double rss_mib = after ? static_cast<double>(after->rss_bytes) / (1 << 20) : -1;
  const double rss_per_conn =
      after && baseline && totals.connected > 0
          ? (static_cast<double>(after->rss_bytes) - static_cast<double>(baseline->rss_bytes)) /
                totals.connected
          : -1;
  char line[1024];
  std::snprintf(line, sizeof line,
                "loadgen %s transport=%s conns=%d published=%llu delivered=%llu "
                "delivered_per_s=%.0f lost=%llu dup=%llu reconnects=%llu p50_us=%.1f "
                "p99_us=%.1f p999_us=%.1f max_us=%.1f server_cpu_pct=%.1f server_rss_mib=%.1f "
                "rss_per_conn_bytes=%.0f ws_compressed=%llu ws_uncompressed=%llu%s%s%s%s",
                absl::GetFlag(FLAGS_label).c_str(), absl::GetFlag(FLAGS_transport).c_str(),
                totals.connected, static_cast<unsigned long long>(published),
                static_cast<unsigned long long>(delivered), rate,
                static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicates),
                static_cast<unsigned long long>(reconnects), h.Percentile(0.5) / 1e3,
                h.Percentile(0.99) / 1e3, h.Percentile(0.999) / 1e3, h.max() / 1e3, cpu, rss_mib,
                rss_per_conn, static_cast<unsigned long long>(totals.compressed_events),
                static_cast<unsigned long long>(totals.uncompressed_events),
                publish_error.empty() ? "" : " publish_error=", publish_error.c_str(),
                totals.stream_error.empty() ? "" : " stream_error=", totals.stream_error.c_str());
  std::printf("%s\n", line);
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream out(path);
    out << "{\"label\":\"" << absl::GetFlag(FLAGS_label) << "\",\"transport\":\""
        << absl::GetFlag(FLAGS_transport) << "\",\"connections\":" << totals.connected
        << ",\"published\":" << published << ",\"delivered\":" << delivered
        << ",\"delivered_per_s\":" << rate << ",\"lost\":" << lost
        << ",\"duplicates\":" << duplicates << ",\"reconnects\":" << reconnects
        << ",\"p50_us\":" << h.Percentile(0.5) / 1e3 << ",\"p99_us\":" << h.Percentile(0.99) / 1e3
        << ",\"p999_us\":" << h.Percentile(0.999) / 1e3 << ",\"max_us\":" << h.max() / 1e3
        << ",\"server_cpu_pct\":" << cpu << ",\"server_rss_mib\":" << rss_mib
        << ",\"rss_per_conn_bytes\":" << rss_per_conn
        << ",\"ws_compressed\":" << totals.compressed_events
        << ",\"ws_uncompressed\":" << totals.uncompressed_events << "}\n";
  }
  io.stop();
  std::fflush(stdout);
  // Thousands of sockets and coroutines would unwind one by one; the OS closes them at once.
  _exit(0);
}

// The reconnect storm: all subscribers come back at once, each resuming --resume_behind events
// before the head, as after a server restart or a load balancer's failover. What it costs is
// the replay: time until the last subscriber holds the head, and server CPU meanwhile.
int RunReconnectStorm() {
  const int connections = absl::GetFlag(FLAGS_connections);
  const int pid = absl::GetFlag(FLAGS_server_pid);
  const auto behind = static_cast<uint64_t>(absl::GetFlag(FLAGS_resume_behind));

  // The history: events 1..head, acknowledged before anyone subscribes. Event 1's id is the
  // cursor `behind` events before the head.
  const uint64_t head = behind + 1;
  std::unique_ptr<Publisher> publisher = MakePublisher();
  publisher->StopAfter(head);
  publisher->KeepIdOf(1);
  const std::atomic<bool> never{false};
  if (publisher->Run(never) < head || publisher->kept_id().empty()) {
    std::fprintf(
        stderr, "loadgen: publishing the history failed: %s\n",
        publisher->error().empty() ? "no id in the first ack" : publisher->error().c_str());
    return 1;
  }

  // The window stays empty: replayed events are old, so publish→deliver latency means nothing.
  Window window;
  asio::io_context io(1);
  Subscribers subscribers(io, window);
  subscribers.ResumeFrom(publisher->kept_id(), 1);
  subscribers.CatchUpTo(head);
  subscribers.RetryHandshakes();
  Totals& totals = subscribers.totals();
  const std::optional<ProcessSample> before = SampleProcess(pid);
  const std::optional<ProcessSample> self_before = SampleProcess(getpid());
  const uint64_t start = MonotonicNanos();
  subscribers.Start();
  RunUntil(
      io, [&] { return totals.caught_up + totals.failed_connects >= connections; },
      absl::GetFlag(FLAGS_storm_timeout));
  const std::optional<ProcessSample> after = SampleProcess(pid);
  const std::optional<ProcessSample> self_after = SampleProcess(getpid());
  subscribers.stopping_ = true;

  LatencyHistogram catch_up;
  uint64_t lost = 0, duplicates = 0, reconnects = 0, delivered = 0;
  for (const Accounting& a : subscribers.accounting()) {
    if (!a.connected) continue;
    if (a.caught_up_ns != 0) catch_up.Record(a.caught_up_ns - start);
    // Each resumed after event 1, so it is owed 2..head.
    lost += a.gaps + (head > a.last_seq ? head - a.last_seq : 0);
    duplicates += a.duplicates;
    reconnects += a.reconnects;
    delivered += a.received;
  }
  // -1 when someone never caught up: the time to "all" is then unknown.
  const double all_s =
      totals.caught_up == connections ? static_cast<double>(catch_up.max()) / 1e9 : -1;
  const double cpu_s = before && after ? after->cpu_seconds - before->cpu_seconds : -1;
  const double self_cpu_s =
      self_before && self_after ? self_after->cpu_seconds - self_before->cpu_seconds : -1;
  const double p50_ms = static_cast<double>(catch_up.Percentile(0.5)) / 1e6;
  const double p99_ms = static_cast<double>(catch_up.Percentile(0.99)) / 1e6;
  std::printf(
      "storm %s conns=%d caught_up=%d failed=%d behind=%llu delivered=%llu lost=%llu dup=%llu "
      "reconnects=%llu all_caught_up_s=%.3f catch_up_p50_ms=%.1f catch_up_p99_ms=%.1f "
      "server_cpu_s=%.2f loadgen_cpu_s=%.2f%s%s\n",
      absl::GetFlag(FLAGS_label).c_str(), totals.connected, totals.caught_up,
      totals.failed_connects, static_cast<unsigned long long>(behind),
      static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(reconnects),
      all_s, p50_ms, p99_ms, cpu_s, self_cpu_s,
      totals.first_error.empty() ? "" : " first_handshake_error=", totals.first_error.c_str());
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream out(path);
    out << "{\"label\":\"" << absl::GetFlag(FLAGS_label) << "\",\"connections\":" << connections
        << ",\"connected\":" << totals.connected << ",\"caught_up\":" << totals.caught_up
        << ",\"failed\":" << totals.failed_connects << ",\"behind\":" << behind
        << ",\"delivered\":" << delivered << ",\"lost\":" << lost
        << ",\"duplicates\":" << duplicates << ",\"reconnects\":" << reconnects
        << ",\"all_caught_up_s\":" << all_s << ",\"catch_up_p50_ms\":" << p50_ms
        << ",\"catch_up_p99_ms\":" << p99_ms << ",\"server_cpu_s\":" << cpu_s
        << ",\"loadgen_cpu_s\":" << self_cpu_s << "}\n";
  }
  io.stop();
  std::fflush(stdout);
  _exit(0);
}

int Main() {
  RaiseFileLimit();
  return absl::GetFlag(FLAGS_resume_behind) > 0 ? RunReconnectStorm() : RunFanout();
}

}  // namespace
}  // namespace herald::load

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("herald_loadgen: fan-out load and latency against Herald or a peer");
  absl::ParseCommandLine(argc, argv);
  return herald::load::Main();
}
