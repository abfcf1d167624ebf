// Pings: the sweep pings a WebSocket every ws_ping_interval; a client that answers stays, one
// that leaves two pings unanswered is closed (ping_timeout) at the next ping time.
#include "broker/edge/testing/session_harness.h"
#include "broker/edge/ws/ws_session_testing.h"
#include "broker/session/close_reason.h"
#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

using testing::Peer;
using testing::SessionHarness;

constexpr absl::Duration kInterval = absl::Seconds(10);

size_t Pings(Peer& peer) {
  size_t pings = 0;
  for (const ReceivedFrame& frame : ReceivedFrames(peer.received())) pings += frame.opcode == 0x9;
  return pings;
}

bool WaitForPings(Peer& peer, size_t count) {
  return peer.WaitUntil([count](std::string_view received, bool) {
    size_t pings = 0;
    for (const ReceivedFrame& frame : ReceivedFrames(received)) pings += frame.opcode == 0x9;
    return pings >= count;
  });
}

TEST(WsPingTest, AClientThatAnswersEveryPingStaysOpen) {
  SessionHarness harness({.ws_ping_interval = kInterval, .sweep_interval = absl::Milliseconds(1)});
  Peer& peer = OpenWs(harness);
  for (size_t ping = 1; ping <= 4; ++ping) {
    harness.clock().Advance(kInterval);
    ASSERT_TRUE(WaitForPings(peer, ping)) << "ping " << ping;
    peer.Send(wire::ClientFrame({.opcode = wire::kWsPong}));
  }
  // Answered: a fifth interval brings a fifth ping, not a close.
  harness.clock().Advance(kInterval);
  ASSERT_TRUE(WaitForPings(peer, 5));
  EXPECT_FALSE(peer.closed());
}

TEST(WsPingTest, TwoUnansweredPingsCloseTheConnectionAtTheNextPingTime) {
  SessionHarness harness({.ws_ping_interval = kInterval, .sweep_interval = absl::Milliseconds(1)});
  Peer& peer = OpenWs(harness);
  harness.clock().Advance(kInterval);
  ASSERT_TRUE(WaitForPings(peer, 1));
  harness.clock().Advance(kInterval);
  ASSERT_TRUE(WaitForPings(peer, 2));
  EXPECT_FALSE(peer.closed());

  harness.clock().Advance(kInterval);
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_EQ(Pings(peer), 2u);
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kPingTimeout));
}

TEST(WsPingTest, AnyMessageCountsAsAnAnswer) {
  SessionHarness harness({.ws_ping_interval = kInterval, .sweep_interval = absl::Milliseconds(1)});
  Peer& peer = OpenWs(harness);
  for (size_t ping = 1; ping <= 3; ++ping) {
    harness.clock().Advance(kInterval);
    ASSERT_TRUE(WaitForPings(peer, ping));
    peer.Send(wire::ClientFrame({.opcode = wire::kWsText, .payload = R"({"op":"ping"})"}));
    ASSERT_TRUE(peer.WaitForText(R"({"op":"pong"})"));
  }
  EXPECT_FALSE(peer.closed());
}

}  // namespace
}  // namespace herald::edge::ws
