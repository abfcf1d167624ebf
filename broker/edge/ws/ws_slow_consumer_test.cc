// A WebSocket client that stops reading while events keep coming: once its queue passes
// outbound_queue_bytes the session closes (1008 when the socket takes it, cut when the drain
// timeout passes otherwise) as a slow consumer, and a client beside it gets every event in
// one write per dispatch pass.
#include <string>
#include <vector>

#include "broker/edge/testing/session_harness.h"
#include "broker/edge/ws/ws_session_testing.h"
#include "broker/session/close_reason.h"
#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

using testing::Peer;
using testing::SessionHarness;

void Subscribe(Peer& peer, const std::string& topic) {
  peer.Send(wire::ClientFrame(
      {.opcode = wire::kWsText, .payload = R"({"op":"subscribe","topic":")" + topic + "\"}"}));
  ASSERT_TRUE(peer.WaitForText(R"({"op":"subscribed","topic":")" + topic));
}

size_t Events(std::string_view received) {
  size_t events = 0;
  for (const ReceivedFrame& frame : ReceivedFrames(received)) {
    events += frame.payload.starts_with(R"({"op":"event")");
  }
  return events;
}

TEST(WsSlowConsumerTest, AClientThatStopsReadingIsClosedAndTheOtherGetsEverything) {
  SessionHarness harness({.outbound_queue_bytes = 4096,
                          .sweep_interval = absl::Milliseconds(1),
                          .drain_timeout = absl::Seconds(5)});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& slow = OpenWs(harness);
  Peer& fast = OpenWs(harness);
  Subscribe(slow, "t");
  Subscribe(fast, "t");
  const int fast_writes = fast.writes();
  slow.ReadMore(0);

  // 10 passes of 10 events of 200 bytes: 20 KB, five times the slow client's bound.
  for (int pass = 0; pass < 10; ++pass) {
    ASSERT_TRUE(harness.Publish("t", std::vector<std::string>(10, std::string(200, 'x'))).ok());
  }
  ASSERT_TRUE(
      fast.WaitUntil([](std::string_view received, bool) { return Events(received) == 100; }));
  // One gathered write per dispatch pass.
  EXPECT_EQ(fast.writes() - fast_writes, 10);
  EXPECT_EQ(fast.overlapping_writes(), 0);

  // Its close cannot reach a client that reads nothing: the drain timeout cuts it.
  harness.clock().Advance(absl::Seconds(6));
  ASSERT_TRUE(slow.WaitForClose());
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kWs, session::CloseReason::kSlowConsumer));
  EXPECT_FALSE(fast.closed());
}

}  // namespace
}  // namespace herald::edge::ws
