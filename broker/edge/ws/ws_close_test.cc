// The closing handshake and the frames a client may not send: a client's close is answered
// with its code and the server ends the connection first; a frame that breaks RFC 6455 gets
// the close that names it (1002, 1007, 1009) and the connection ends; pings get their pong.
#include "broker/edge/testing/session_harness.h"
#include "broker/edge/ws/ws_session_testing.h"
#include "broker/session/close_reason.h"
#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

using testing::Peer;
using testing::SessionHarness;

TEST(WsCloseTest, AClientsCloseIsAnsweredWithItsCodeAndTheConnectionEnds) {
  SessionHarness harness;
  Peer& peer = OpenWs(harness);
  peer.Send(wire::ClientFrame({.opcode = wire::kWsClose, .payload = wire::ClosePayload(4321)}));
  ASSERT_TRUE(peer.WaitForClose());
  const std::vector<ReceivedFrame> frames = ReceivedFrames(peer.received());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code, 4321);
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kClientClosed));
}

TEST(WsCloseTest, ACloseWithoutACodeIsAnsweredWith1000) {
  SessionHarness harness;
  Peer& peer = OpenWs(harness);
  peer.Send(wire::ClientFrame({.opcode = wire::kWsClose}));
  ASSERT_TRUE(peer.WaitForClose());
  ASSERT_EQ(ReceivedFrames(peer.received()).size(), 1u);
  EXPECT_EQ(ReceivedFrames(peer.received())[0].close_code, 1000);
}

uint16_t CloseCodeFor(const std::string& bytes) {
  SessionHarness harness({.max_ws_message_bytes = 1024});
  Peer& peer = OpenWs(harness);
  peer.Send(bytes);
  EXPECT_TRUE(peer.WaitForClose());
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kProtocolError));
  const std::vector<ReceivedFrame> frames = ReceivedFrames(peer.received());
  return frames.empty() ? 0 : frames.back().close_code;
}

TEST(WsCloseTest, AFrameThatBreaksTheProtocolGetsItsCloseCode) {
  EXPECT_EQ(
      CloseCodeFor(wire::ClientFrame({.opcode = wire::kWsText, .payload = "{}", .masked = false})),
      1002);
  EXPECT_EQ(CloseCodeFor(wire::ClientFrame({.opcode = wire::kWsText, .payload = "\xff"})), 1007);
  EXPECT_EQ(CloseCodeFor(wire::ClientFrame({.opcode = wire::kWsText, .length = 1 << 20})), 1009);
  // Not negotiated: RSV1 means nothing on this connection.
  EXPECT_EQ(CloseCodeFor(wire::ClientFrame(
                {.opcode = wire::kWsText, .payload = "{}", .rsv = wire::kWsRsv1})),
            1002);
}

TEST(WsCloseTest, APingGetsAPongWithItsPayloadEvenSplitAcrossReads) {
  SessionHarness harness;
  Peer& peer = OpenWs(harness);
  const std::string ping = wire::ClientFrame({.opcode = wire::kWsPing, .payload = "are you there"});
  for (char byte : ping) peer.Send(std::string(1, byte));
  ASSERT_TRUE(WaitForFrame(peer, 0xa));
  EXPECT_EQ(ReceivedFrames(peer.received()).at(0).payload, "are you there");
  EXPECT_FALSE(peer.closed());
}

}  // namespace
}  // namespace herald::edge::ws
