// The browser edge over TLS on real sockets: an in-process herald::Broker serving its TLS port
// beside the plain one with certificates of a CA the test makes, and OpenSSL clients (Beast
// over Asio's TLS stream) that trust only that CA and check the host name.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"
#include "broker/broker.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/sse_client.h"
#include "tests/testing/test_ca.h"
#include "tests/testing/wait_for.h"

namespace herald {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using ::herald::testing::SerialOf;
using ::herald::testing::SseClient;
using ::herald::testing::TestCa;
using ::herald::testing::TestCertificate;
using ::herald::testing::WaitFor;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kWait = absl::Seconds(10);

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// What a test client offers.
struct ClientOffer {
  // 0: OpenSSL's default (up to TLS 1.3).
  int max_version = 0;
  // TLS 1.2 ciphers, OpenSSL's names; empty: OpenSSL's default.
  std::string ciphers;
  // ALPN protocols in wire format (length-prefixed); empty: none offered.
  std::string alpn = std::string("\x08http/1.1", 9);
};

// One TLS connection to 127.0.0.1 that trusts only `ca_pem` and checks the name "localhost".
// Every operation runs on the client's own io_context with a deadline, so that a server that
// does not answer fails the test instead of hanging it.
class TlsClient {
 public:
  TlsClient(const std::string& ca_pem, const ClientOffer& offer) : context_(ssl::context::tls) {
    context_.add_certificate_authority(asio::buffer(ca_pem));
    context_.set_verify_mode(ssl::verify_peer);
    SSL_CTX* native = context_.native_handle();
    if (offer.max_version != 0) {
      SSL_CTX_set_max_proto_version(native, offer.max_version);
      // OpenSSL 3 refuses to offer TLS 1.1 at all at its default security level; level 0
      // lets the server be the one that refuses.
      if (offer.max_version < TLS1_2_VERSION) SSL_CTX_set_security_level(native, 0);
    }
    if (!offer.ciphers.empty()) SSL_CTX_set_cipher_list(native, offer.ciphers.c_str());
    if (!offer.alpn.empty()) {
      SSL_CTX_set_alpn_protos(native, reinterpret_cast<const unsigned char*>(offer.alpn.data()),
                              static_cast<unsigned>(offer.alpn.size()));
    }
    ws_ = std::make_unique<websocket::stream<ssl::stream<tcp::socket>>>(io_, context_);
    stream().set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream().native_handle(), "localhost");
  }

  ssl::stream<tcp::socket>& stream() { return ws_->next_layer(); }
  tcp::socket& socket() { return stream().next_layer(); }

  // TCP connect and the TLS handshake: its error, if any.
  boost::system::error_code Handshake(uint16_t port) {
    boost::system::error_code ec;
    socket().connect({asio::ip::address_v4::loopback(), port}, ec);
    if (ec) return ec;
    Run([&](auto done) { stream().async_handshake(ssl::stream_base::client, done); }, ec);
    return ec;
  }

  // Sends `request` and reads until `needle` has arrived, the connection ends or the wait
  // times out: everything read.
  std::string Exchange(const std::string& request, std::string_view needle) {
    boost::system::error_code ec;
    if (!request.empty()) {
      Run([&](auto done) { asio::async_write(stream(), asio::buffer(request), done); }, ec);
      if (ec) return "";
    }
    return ReadUntil(needle);
  }

  std::string ReadUntil(std::string_view needle) {
    const absl::Time deadline = absl::Now() + kWait;
    // Each read searches only what it could complete: streams here run to megabytes.
    size_t from = 0;
    while (received_.find(needle, from) == std::string::npos && absl::Now() < deadline) {
      from = received_.size() >= needle.size() ? received_.size() - needle.size() + 1 : 0;
      char chunk[16384];
      size_t n = 0;
      boost::system::error_code ec;
      Run([&](auto done) { stream().async_read_some(asio::buffer(chunk), done); }, ec, &n);
      received_.append(chunk, n);
      if (ec) break;
    }
    return received_;
  }

  // The WebSocket handshake on /v1/ws with herald.v1.json, after Handshake().
  boost::system::error_code UpgradeToWebSocket() {
    ws_->set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(beast::http::field::sec_websocket_protocol, "herald.v1.json");
    }));
    boost::system::error_code ec;
    Run([&](auto done) { ws_->async_handshake("localhost", "/v1/ws", done); }, ec);
    return ec;
  }

  boost::system::error_code SendText(const std::string& text) {
    ws_->text(true);
    boost::system::error_code ec;
    Run([&](auto done) { ws_->async_write(asio::buffer(text), done); }, ec);
    return ec;
  }

  // The next WebSocket message; empty on an error or timeout.
  std::string NextMessage() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    Run([&](auto done) { ws_->async_read(buffer, done); }, ec);
    return ec ? "" : beast::buffers_to_string(buffer.data());
  }

  // The code of the server's close frame, once a read ended with it.
  int CloseCode() { return ws_->reason().code; }

  uint64_t PeerSerial() {
    X509* cert = SSL_get1_peer_certificate(stream().native_handle());
    if (cert == nullptr) return 0;
    uint64_t serial = 0;
    ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(cert));
    X509_free(cert);
    return serial;
  }

  std::string Alpn() {
    const unsigned char* protocol = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(stream().native_handle(), &protocol, &length);
    return std::string(reinterpret_cast<const char*>(protocol), length);
  }

  int Version() { return SSL_version(stream().native_handle()); }

 private:
  // Starts an operation with `start(handler)` and runs it to completion, or cancels it after
  // kWait (its error is then operation_aborted).
  template <class Start>
  void Run(Start start, boost::system::error_code& ec, size_t* transferred = nullptr) {
    bool finished = false;
    auto done = [&](boost::system::error_code result, auto&&... rest) {
      ec = result;
      if constexpr (sizeof...(rest) == 1) {
        if (transferred != nullptr) *transferred = (rest, ...);
      }
      finished = true;
    };
    start(done);
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoSeconds(kWait);
    while (!finished && io_.run_one_until(deadline) > 0) {
    }
    if (finished) return;
    boost::system::error_code ignored;
    socket().cancel(ignored);
    io_.restart();
    while (!finished && io_.run_one() > 0) {
    }
  }

  asio::io_context io_;
  ssl::context context_;
  std::unique_ptr<websocket::stream<ssl::stream<tcp::socket>>> ws_;
  std::string received_;
};

class TlsEdgeTest : public ::testing::Test {
 protected:
  TlsEdgeTest() : ca_(TestCa::Make("herald test CA")) {}

  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/tls_edge_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    cert_file_ = dir_ + "/cert.pem";
    key_file_ = dir_ + "/key.pem";
    Install(ca_.Issue("localhost", 1));
  }

  void Install(const TestCertificate& certificate) {
    WriteFile(cert_file_, certificate.cert_pem);
    WriteFile(key_file_, certificate.key_pem);
  }

  void Start(const std::function<void(BrokerOptions&)>& tweak = {}) {
    BrokerOptions options;
    options.shards = 2;
    options.serve_edge = true;
    options.edge.port = 0;
    options.edge.tls_port = 0;
    options.edge.tls_cert_file = cert_file_;
    options.edge.tls_key_file = key_file_;
    options.edge.sweep_interval = absl::Milliseconds(20);
    options.edge.drain_timeout = absl::Seconds(2);
    if (tweak) tweak(options);
    absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    ASSERT_NE(broker_->edge_tls_port(), 0);
    ASSERT_NE(broker_->edge_tls_port(), broker_->edge_port());
    ASSERT_TRUE(broker_->CreateTopic({.name = "news"}).ok());
  }

  // A client that has completed the TLS handshake with the TLS port.
  std::unique_ptr<TlsClient> Connect(const ClientOffer& offer = {}) {
    auto client = std::make_unique<TlsClient>(ca_.cert_pem(), offer);
    const boost::system::error_code ec = client->Handshake(broker_->edge_tls_port());
    EXPECT_FALSE(ec) << ec.message();
    return client;
  }

  // The handshake's error for a client offering `offer`.
  boost::system::error_code HandshakeError(const ClientOffer& offer) {
    TlsClient client(ca_.cert_pem(), offer);
    return client.Handshake(broker_->edge_tls_port());
  }

  void Publish(const std::string& data) {
    ASSERT_TRUE(broker_->Publish({.topic = "news", .data = data}).ok());
  }

  // /metrics over the plain port.
  std::string Metrics() {
    absl::StatusOr<std::unique_ptr<SseClient>> http =
        SseClient::Connect(broker_->edge_port(), "/metrics");
    return http.ok() ? (*http)->ReadToEnd(kWait) : "";
  }

  bool MetricsShow(const std::string& sample) {
    return WaitFor([&] { return absl::StrContains(Metrics(), sample); }, kWait);
  }

  static std::string Get(const std::string& target) {
    return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  }

  TestCa ca_;
  std::string dir_;
  std::string cert_file_;
  std::string key_file_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(TlsEdgeTest, HandshakeNegotiatesHttp11OverTls12OrLater) {
  Start();
  std::unique_ptr<TlsClient> client = Connect();
  EXPECT_EQ(client->Alpn(), "http/1.1");
  EXPECT_GE(client->Version(), TLS1_2_VERSION);
  EXPECT_EQ(client->PeerSerial(), 1u);
  // Keep-alive: two requests on one connection.
  EXPECT_THAT(client->Exchange(Get("/healthz"), "ok"), HasSubstr("HTTP/1.1 200 OK"));
  const std::string both = client->Exchange(Get("/readyz"), "ready");
  EXPECT_THAT(both, HasSubstr("ready"));
}

TEST_F(TlsEdgeTest, ClientOfferingH2AndHttp11GetsHttp11) {
  Start();
  std::unique_ptr<TlsClient> client = Connect({.alpn = std::string("\x02h2\x08http/1.1", 12)});
  EXPECT_EQ(client->Alpn(), "http/1.1");
}

TEST_F(TlsEdgeTest, ClientOfferingOnlyH2IsRefused) {
  Start();
  EXPECT_TRUE(HandshakeError({.alpn = std::string("\x02h2", 3)}));
  EXPECT_TRUE(MetricsShow("{reason=\"tls_handshake\"} 1\n"));
}

TEST_F(TlsEdgeTest, Tls11IsRefused) {
  Start();
  EXPECT_TRUE(HandshakeError({.max_version = TLS1_1_VERSION}));
  // The server refused it (the client offered it, at security level 0).
  EXPECT_TRUE(MetricsShow("{reason=\"tls_handshake\"} 1\n"));
}

TEST_F(TlsEdgeTest, Tls12AcceptsEcdheAeadOnly) {
  Start();
  EXPECT_FALSE(
      HandshakeError({.max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"}));
  // ECDHE without AEAD, and AEAD without forward secrecy.
  EXPECT_TRUE(
      HandshakeError({.max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256"}));
  EXPECT_TRUE(HandshakeError({.max_version = TLS1_2_VERSION, .ciphers = "AES128-GCM-SHA256"}));
}

TEST_F(TlsEdgeTest, SseOverTlsDeliversEvents) {
  Start();
  std::unique_ptr<TlsClient> client = Connect();
  EXPECT_THAT(client->Exchange(Get("/v1/sse?topic=news"), ": herald\n"),
              HasSubstr("Content-Type: text/event-stream"));
  Publish("first");
  Publish("second");
  EXPECT_THAT(client->ReadUntil("data: second\n"), HasSubstr("data: first\n"));
}

TEST_F(TlsEdgeTest, SseOverTlsDeliversMegabytesWhole) {
  // A queue that holds them all: this test is about the TLS writes, not slow subscribers.
  Start([](BrokerOptions& options) { options.edge.outbound_queue_bytes = 16 << 20; });
  std::unique_ptr<TlsClient> client = Connect();
  ASSERT_THAT(client->Exchange(Get("/v1/sse?topic=news"), ": herald\n"), HasSubstr("200 OK"));
  // 8 MiB in events of 64 KiB (four TLS records each): more than the socket buffers hold, so
  // writes wait for the socket part-way through a record.
  constexpr int kEvents = 128;
  const std::string padding(64 << 10, 'x');
  for (int i = 0; i < kEvents; ++i) Publish(absl::StrCat(i, ":", padding));
  const std::string stream =
      client->ReadUntil(absl::StrCat("data: ", kEvents - 1, ":", padding, "\n"));
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(absl::StrContains(stream, absl::StrCat("data: ", i, ":", padding, "\n")))
        << "event " << i << " missing or cut; " << stream.size() << " bytes read";
  }
}

TEST_F(TlsEdgeTest, WebSocketOverTlsDeliversEvents) {
  Start();
  std::unique_ptr<TlsClient> client = Connect();
  ASSERT_FALSE(client->UpgradeToWebSocket());
  ASSERT_FALSE(client->SendText(R"({"op":"subscribe","topic":"news"})"));
  EXPECT_THAT(client->NextMessage(), HasSubstr(R"("op":"subscribed")"));
  Publish("over tls");
  const std::string event = client->NextMessage();
  EXPECT_THAT(event, HasSubstr(R"("op":"event")"));
  EXPECT_THAT(event, HasSubstr(R"("data":"over tls")"));
}

TEST_F(TlsEdgeTest, DrainClosesAWebSocketOverTlsWith1012) {
  Start();
  std::unique_ptr<TlsClient> client = Connect();
  ASSERT_FALSE(client->UpgradeToWebSocket());
  ASSERT_FALSE(client->SendText(R"({"op":"subscribe","topic":"news"})"));
  ASSERT_THAT(client->NextMessage(), HasSubstr(R"("op":"subscribed")"));
  EXPECT_EQ(broker_->Drain(), 1u);
  EXPECT_EQ(client->NextMessage(), "");
  EXPECT_EQ(client->CloseCode(), 1012);
}

TEST_F(TlsEdgeTest, PlainClientOnTheTlsPortFailsCleanly) {
  Start();
  asio::io_context io;
  tcp::socket plain(io);
  plain.connect({asio::ip::address_v4::loopback(), broker_->edge_tls_port()});
  asio::write(plain, asio::buffer(Get("/healthz")));
  // The server closes: what came back (a TLS alert, or nothing) is no HTTP response.
  std::string reply;
  boost::system::error_code ec;
  char chunk[512];
  while (!ec) reply.append(chunk, plain.read_some(asio::buffer(chunk), ec));
  EXPECT_THAT(reply, Not(HasSubstr("HTTP/1.1")));
  EXPECT_TRUE(MetricsShow("{reason=\"tls_handshake\"} 1\n"));
  // The server serves on.
  EXPECT_THAT(Connect()->Exchange(Get("/healthz"), "ok"), HasSubstr("200 OK"));
}

TEST_F(TlsEdgeTest, TlsClientOnThePlainPortFailsCleanly) {
  Start();
  TlsClient client(ca_.cert_pem(), {});
  EXPECT_TRUE(client.Handshake(broker_->edge_port()));
  EXPECT_TRUE(MetricsShow("{reason=\"bad_request\"} 1\n"));
  EXPECT_THAT(Metrics(), HasSubstr("herald_edge_connections_total"));
  EXPECT_THAT(Connect()->Exchange(Get("/healthz"), "ok"), HasSubstr("200 OK"));
}

TEST_F(TlsEdgeTest, StalledHandshakeIsClosedAfterTheHandshakeTimeout) {
  Start([](BrokerOptions& options) { options.edge.handshake_timeout = absl::Milliseconds(200); });
  asio::io_context io;
  tcp::socket silent(io);
  silent.connect({asio::ip::address_v4::loopback(), broker_->edge_tls_port()});
  // Nothing sent: the server closes the connection (a read then ends), and counts it.
  EXPECT_TRUE(MetricsShow("{transport=\"http\",reason=\"handshake_timeout\"} 1\n"));
  char byte;
  boost::system::error_code ec;
  silent.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(TlsEdgeTest, ReloadServesTheNewCertificateAndKeepsOpenStreams) {
  Start();
  std::unique_ptr<TlsClient> open = Connect();
  ASSERT_EQ(open->PeerSerial(), 1u);
  ASSERT_THAT(open->Exchange(Get("/v1/sse?topic=news"), ": herald\n"), HasSubstr("200 OK"));

  Install(ca_.Issue("localhost", 2));
  ASSERT_TRUE(broker_->Reload().ok());

  Publish("after reload");
  EXPECT_THAT(open->ReadUntil("data: after reload\n"), HasSubstr("data: after reload\n"));
  EXPECT_EQ(Connect()->PeerSerial(), 2u);
}

TEST_F(TlsEdgeTest, BadNewCertificateKeepsTheOldOne) {
  Start();
  WriteFile(cert_file_, "not a certificate\n");
  absl::Status reloaded = broker_->Reload();
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reloaded.message()), HasSubstr(cert_file_));
  EXPECT_EQ(Connect()->PeerSerial(), 1u);

  // A certificate with another certificate's key.
  const TestCertificate second = ca_.Issue("localhost", 2);
  const TestCertificate third = ca_.Issue("localhost", 3);
  WriteFile(cert_file_, third.cert_pem);
  WriteFile(key_file_, second.key_pem);
  reloaded = broker_->Reload();
  EXPECT_THAT(std::string(reloaded.message()), HasSubstr("does not belong"));
  EXPECT_EQ(Connect()->PeerSerial(), 1u);
}

TEST_F(TlsEdgeTest, StartRefusesACertificateWithoutAKey) {
  BrokerOptions options;
  options.serve_edge = true;
  options.edge.port = 0;
  options.edge.tls_port = 0;
  options.edge.tls_cert_file = cert_file_;
  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(options);
  EXPECT_EQ(broker.status().code(), absl::StatusCode::kInvalidArgument);

  options.edge.tls_key_file = dir_ + "/missing.pem";
  broker = Broker::Start(options);
  EXPECT_EQ(broker.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broker.status().message()), HasSubstr("missing.pem"));
}

TEST_F(TlsEdgeTest, PlainEdgeHasNoTlsPort) {
  BrokerOptions options;
  options.serve_edge = true;
  options.edge.port = 0;
  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.status();
  EXPECT_EQ((*broker)->edge_tls_port(), 0);
  EXPECT_TRUE((*broker)->Reload().ok());
}

TEST(TestCaTest, IssuedCertificatesCarryTheirSerial) {
  TestCa ca = TestCa::Make("serials");
  EXPECT_EQ(SerialOf(ca.Issue("localhost", 7).cert_pem), 7u);
}

}  // namespace
}  // namespace herald
