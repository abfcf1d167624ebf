// The shard's sweep keeps quiet streams alive: `: hb` after heartbeat_interval without a write,
// timed from the stream's last write (the FakeClock moves only when told).
#include <string>

#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

constexpr char kHeartbeat[] = ": hb\n\n";

EdgeOptions HeartbeatEvery15Seconds() {
  return {.heartbeat_interval = absl::Seconds(15), .sweep_interval = absl::Milliseconds(1)};
}

TEST(SseHeartbeatTest, AQuietStreamGetsAHeartbeatEveryInterval) {
  SessionHarness harness(HeartbeatEvery15Seconds());
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);

  harness.clock().Advance(absl::Seconds(16));
  ASSERT_TRUE(peer.WaitForText(kHeartbeat));
  EXPECT_EQ(peer.received().substr(opening), kHeartbeat);
  harness.clock().Advance(absl::Seconds(16));
  ASSERT_TRUE(peer.WaitUntil(
      [](std::string_view received, bool) { return Occurrences(received, kHeartbeat) == 2; }));
  EXPECT_TRUE(EventData(peer.received()).empty());
}

TEST(SseHeartbeatTest, TheIntervalRunsFromTheLastWrite) {
  SessionHarness harness(HeartbeatEvery15Seconds());
  ASSERT_TRUE(harness.CreateTopic("busy").ok());
  ASSERT_TRUE(harness.CreateTopic("quiet").ok());
  Peer& busy = OpenSse(harness, "/v1/sse?topic=busy");
  Peer& quiet = OpenSse(harness, "/v1/sse?topic=quiet");
  ASSERT_GT(WaitForOpening(busy), 0u);
  ASSERT_GT(WaitForOpening(quiet), 0u);
  harness.clock().Advance(absl::Seconds(10));
  ASSERT_TRUE(harness.Publish("busy", {"news"}).ok());
  ASSERT_TRUE(busy.WaitForText("data: news\n\n"));

  // 16 s after both openings, 6 s after busy's event: a heartbeat for quiet alone. Both are on
  // one shard, so once quiet's has come the sweep has seen busy too.
  harness.clock().Advance(absl::Seconds(6));
  ASSERT_TRUE(quiet.WaitForText(kHeartbeat));
  EXPECT_EQ(Occurrences(busy.received(), kHeartbeat), 0u);

  harness.clock().Advance(absl::Seconds(10));
  EXPECT_TRUE(busy.WaitForText(kHeartbeat));
}

}  // namespace
}  // namespace herald::edge::sse
