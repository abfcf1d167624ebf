#include "broker/edge/ws/ws_handshake.h"

#include <string>

#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kAgreed =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
    "server_max_window_bits=10";

Request Upgrade() {
  Request request(http::verb::get, "/v1/ws", 11);
  request.set(http::field::host, "herald.test");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  return request;
}

TEST(WsAcceptKeyTest, IsRfc6455sExample) {
  // RFC 6455 1.3's worked example.
  EXPECT_EQ(WsAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(NegotiateDeflateTest, AcceptsWhatBrowsersOffer) {
  // Chromium's and Firefox's offers.
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; client_max_window_bits"), kAgreed);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate"), kAgreed);
  EXPECT_EQ(NegotiateDeflate("Permessage-Deflate; client_max_window_bits=12; "
                             "server_max_window_bits=\"15\"; server_no_context_takeover"),
            kAgreed);
}

TEST(NegotiateDeflateTest, DeclinesInvalidOrUnusableOffersAndTakesTheNextOne) {
  EXPECT_EQ(NegotiateDeflate("x-webkit-deflate-frame"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; server_max_window_bits=9"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; server_max_window_bits"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; client_max_window_bits=16"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; unknown_param"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; server_no_context_takeover=1"), std::nullopt);
  EXPECT_EQ(NegotiateDeflate(
                "permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
            std::nullopt);
  EXPECT_EQ(NegotiateDeflate("permessage-deflate; server_max_window_bits=8, permessage-deflate"),
            kAgreed);
}

TEST(AcceptUpgradeTest, AnswersWithTheAcceptKeySubprotocolAndExtension) {
  Request request = Upgrade();
  request.set(http::field::sec_websocket_protocol, "other, herald.v1.json");
  request.set(http::field::sec_websocket_extensions, "permessage-deflate; client_max_window_bits");
  const Handshake handshake = AcceptUpgrade(request);
  EXPECT_TRUE(handshake.deflate);
  EXPECT_EQ(handshake.response,
            "HTTP/1.1 101 Switching Protocols\r\nServer: herald\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: herald.v1.json\r\nSec-WebSocket-Extensions: " +
                std::string(kAgreed) + "\r\n\r\n");
}

TEST(AcceptUpgradeTest, NoSubprotocolOrExtensionUnlessOffered) {
  const Handshake handshake = AcceptUpgrade(Upgrade());
  EXPECT_FALSE(handshake.deflate);
  EXPECT_EQ(handshake.response.find("Sec-WebSocket-Protocol"), std::string::npos);
  EXPECT_EQ(handshake.response.find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(RefuseUpgradeTest, SaysWhatIsWrong) {
  EdgeOptions options;
  EdgeMetrics metrics;
  EXPECT_EQ(RefuseUpgrade(options, metrics, Upgrade()), std::nullopt);

  Request no_key = Upgrade();
  no_key.erase(http::field::sec_websocket_key);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_key)->result(), http::status::bad_request);

  Request short_key = Upgrade();
  short_key.set(http::field::sec_websocket_key, "AAAA");
  EXPECT_EQ(RefuseUpgrade(options, metrics, short_key)->result(), http::status::bad_request);

  Request no_version = Upgrade();
  no_version.erase(http::field::sec_websocket_version);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_version)->result(), http::status::bad_request);

  Request other_version = Upgrade();
  other_version.set(http::field::sec_websocket_version, "99");
  std::optional<Response> refused = RefuseUpgrade(options, metrics, other_version);
  EXPECT_EQ(refused->result(), http::status::upgrade_required);
  EXPECT_EQ((*refused)[http::field::sec_websocket_version], "13");

  Request no_host = Upgrade();
  no_host.erase(http::field::host);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_host)->result(), http::status::bad_request);

  options.allowed_origins = {"https://app.example"};
  Request elsewhere = Upgrade();
  elsewhere.set(http::field::origin, "https://evil.example");
  EXPECT_EQ(RefuseUpgrade(options, metrics, elsewhere)->result(), http::status::forbidden);
}

}  // namespace
}  // namespace herald::edge::ws
