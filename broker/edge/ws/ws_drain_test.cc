// The node drains: every WebSocket gets close 1012 and, once the client answers, its
// connection ends; a client that never answers is cut when the drain times out.
#include "broker/edge/testing/session_harness.h"
#include "broker/edge/ws/ws_session_testing.h"
#include "broker/session/close_reason.h"
#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

using testing::Peer;
using testing::SessionHarness;

TEST(WsDrainTest, ADrainedSessionClosesWith1012AndEndsOnTheClientsAnswer) {
  SessionHarness harness;
  Peer& peer = OpenWs(harness);
  EXPECT_EQ(harness.Drain(), 1u);
  ASSERT_TRUE(WaitForFrame(peer, 0x8));
  const std::vector<ReceivedFrame> frames = ReceivedFrames(peer.received());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code, 1012);
  EXPECT_EQ(frames[0].payload.substr(2), "draining; reconnect and resume");
  EXPECT_FALSE(peer.closed());

  peer.Send(wire::ClientFrame({.opcode = wire::kWsClose, .payload = wire::ClosePayload(1012)}));
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_EQ(ReceivedFrames(peer.received()).size(), 1u);
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kDrained));
}

TEST(WsDrainTest, AClientThatNeverAnswersIsCutWhenTheDrainTimesOut) {
  SessionHarness harness(
      {.sweep_interval = absl::Milliseconds(1), .drain_timeout = absl::Seconds(5)});
  Peer& peer = OpenWs(harness);
  harness.Drain();
  ASSERT_TRUE(WaitForFrame(peer, 0x8));
  harness.clock().Advance(absl::Seconds(6));
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kDrained));
}

TEST(WsDrainTest, ASessionThatStartsWhileTheNodeDrainsSendsIts101BeforeItsClose) {
  SessionHarness harness;
  harness.Drain();
  // The close must not take the 101's place: a client reads frames only after it.
  Peer& peer = OpenWs(harness);
  ASSERT_TRUE(WaitForFrame(peer, 0x8));
  const std::vector<ReceivedFrame> frames = ReceivedFrames(peer.received());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code, 1012);
}

}  // namespace
}  // namespace herald::edge::ws
