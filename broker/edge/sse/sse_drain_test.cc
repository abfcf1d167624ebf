// The node drains: every SSE stream gets a `retry:` and closes, and the client reconnects
// elsewhere and resumes from its last id. A stream that cannot flush is aborted once the drain
// times out; a stream requested while draining is refused with 503.
#include <string>

#include "absl/strings/match.h"
#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "broker/session/close_reason.h"
#include "gtest/gtest.h"
#include "tests/testing/wait_for.h"

namespace herald::edge::sse {
namespace {

using session::CloseReason;
using session::Transport;
using testing::Peer;
using testing::SessionHarness;

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(SseDrainTest, ADrainedStreamGetsItsRetryAndCloses) {
  SessionHarness harness({.sse_retry = absl::Seconds(3)});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);

  EXPECT_EQ(harness.Drain(), 1u);
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_EQ(peer.received().substr(opening), "retry: 3000\n\n");
  EXPECT_TRUE(herald::testing::WaitFor(
      [&] { return harness.registry().closed(Transport::kSse, CloseReason::kDrained) == 1; },
      testing::kWaitTimeout));
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
  EXPECT_TRUE(herald::testing::WaitFor(
      [&] { return harness.registry().closed(Transport::kSse, CloseReason::kDrained) == 1; },
      testing::kWaitTimeout));
}

TEST(SseDrainTest, AStreamRequestedWhileDrainingIsRefusedWith503) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  harness.Drain();
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  ASSERT_TRUE(peer.WaitForClose());
  const std::string received = peer.received();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 503 ")) << received;
  EXPECT_TRUE(EndsWith(received, "\r\n\r\nthe server is draining; reconnect\n")) << received;
}

}  // namespace
}  // namespace herald::edge::sse
