#include "broker/edge/ws/ws_handshake.h"

#include <string>

#include "broker/edge/ws/ws_session_testing.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kAgreed =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
    "server_max_window_bits=10";

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
  Request request = UpgradeRequest();
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
  Request request = UpgradeRequest();
  request.erase(http::field::sec_websocket_protocol);
  const Handshake handshake = AcceptUpgrade(request);
  EXPECT_FALSE(handshake.deflate);
  EXPECT_EQ(handshake.response.find("Sec-WebSocket-Protocol"), std::string::npos);
  EXPECT_EQ(handshake.response.find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(RefuseUpgradeTest, SaysWhatIsWrong) {
  EdgeOptions options;
  EdgeMetrics metrics;
  EXPECT_EQ(RefuseUpgrade(options, metrics, UpgradeRequest()), std::nullopt);

  Request no_key = UpgradeRequest();
  no_key.erase(http::field::sec_websocket_key);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_key)->result(), http::status::bad_request);

  Request short_key = UpgradeRequest();
  short_key.set(http::field::sec_websocket_key, "AAAA");
  EXPECT_EQ(RefuseUpgrade(options, metrics, short_key)->result(), http::status::bad_request);

  Request no_version = UpgradeRequest();
  no_version.erase(http::field::sec_websocket_version);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_version)->result(), http::status::bad_request);

  Request other_version = UpgradeRequest();
  other_version.set(http::field::sec_websocket_version, "99");
  std::optional<Response> refused = RefuseUpgrade(options, metrics, other_version);
  EXPECT_EQ(refused->result(), http::status::upgrade_required);
  EXPECT_EQ((*refused)[http::field::sec_websocket_version], "13");

  Request no_host = UpgradeRequest();
  no_host.erase(http::field::host);
  EXPECT_EQ(RefuseUpgrade(options, metrics, no_host)->result(), http::status::bad_request);

  options.allowed_origins = {"https://app.example"};
  Request elsewhere = UpgradeRequest();
  elsewhere.set(http::field::origin, "https://evil.example");
  EXPECT_EQ(RefuseUpgrade(options, metrics, elsewhere)->result(), http::status::forbidden);
}

}  // namespace
}  // namespace herald::edge::ws
