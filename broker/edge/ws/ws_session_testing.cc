#include "broker/edge/ws/ws_session_testing.h"

#include <algorithm>
#include <utility>

#include "broker/edge/ws/ws_session_impl.h"
#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

}  // namespace

Request UpgradeRequest() {
  Request request(http::verb::get, "/v1/ws", 11);
  request.set(http::field::host, "herald.test");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  request.set(http::field::sec_websocket_protocol, kSubprotocol);
  return request;
}

testing::Peer& OpenWs(testing::SessionHarness& harness, testing::ConnectionOptions options) {
  const Request request = UpgradeRequest();
  testing::Peer& peer = harness.Connect(
      [&request](const SessionContext& context, testing::SessionStream stream,
                 ConnectionLease lease) {
        internal::StartWsSession(context, nullptr, std::move(stream), request, std::move(lease));
      },
      options);
  EXPECT_TRUE(peer.WaitForText(kHeadEnd));
  EXPECT_TRUE(peer.received().starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  return peer;
}

std::vector<ReceivedFrame> ReceivedFrames(std::string_view received) {
  std::vector<ReceivedFrame> frames;
  const size_t head_end = received.find(kHeadEnd);
  if (head_end == received.npos) return frames;
  std::string_view bytes = received.substr(head_end + kHeadEnd.size());
  while (std::optional<wire::ServerFrame> frame = wire::TakeServerFrame(bytes)) {
    bytes.remove_prefix(frame->size);
    ReceivedFrame& received_frame = frames.emplace_back(
        ReceivedFrame{.opcode = frame->opcode, .payload = std::string(frame->payload)});
    if (frame->opcode == wire::kWsClose && frame->payload.size() >= 2) {
      received_frame.close_code = static_cast<uint16_t>(
          static_cast<uint8_t>(frame->payload[0]) << 8 | static_cast<uint8_t>(frame->payload[1]));
    }
  }
  return frames;
}

bool WaitForFrame(testing::Peer& peer, uint8_t opcode) {
  return peer.WaitUntil([opcode](std::string_view received, bool) {
    const std::vector<ReceivedFrame> frames = ReceivedFrames(received);
    return std::any_of(frames.begin(), frames.end(),
                       [opcode](const ReceivedFrame& f) { return f.opcode == opcode; });
  });
}

}  // namespace herald::edge::ws
