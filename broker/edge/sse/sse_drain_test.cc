// The node drains: every SSE stream gets a `retry:` and closes, and the client reconnects
// elsewhere and resumes from its last id. A stream that cannot flush is aborted once the drain
// times out; a stream requested while draining is refused with 503.
#include <string>

#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "broker/session/close_reason.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

TEST(SseDrainTest, ADrainedStreamGetsItsRetryAndCloses) {
  SessionHarness harness({.sse_retry = absl::Seconds(3)});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);

  EXPECT_EQ(harness.Drain(), 1u);
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_EQ(peer.received().substr(opening), "retry: 3000\n\n");
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kSse, session::CloseReason::kDrained));
}

TEST(SseDrainTest, AStreamThatCannotFlushIsAbortedWhenTheDrainTimesOut) {
  SessionHarness harness(
      {.sweep_interval = absl::Milliseconds(1), .drain_timeout = absl::Seconds(5)});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);
  peer.ReadMore(0);

  harness.Drain();
  harness.clock().Advance(absl::Seconds(6));
  ASSERT_TRUE(peer.WaitForClose());
  // Its retry never got out.
  EXPECT_EQ(peer.received().size(), opening);
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kSse, session::CloseReason::kDrained));
}

TEST(SseDrainTest, AStreamRequestedWhileDrainingIsRefusedWith503) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  harness.Drain();
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  ASSERT_TRUE(peer.WaitForClose());
  const std::string received = peer.received();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 503 ")) << received;
  EXPECT_TRUE(received.ends_with("\r\n\r\nthe server is draining; reconnect\n")) << received;
}

}  // namespace
}  // namespace herald::edge::sse
