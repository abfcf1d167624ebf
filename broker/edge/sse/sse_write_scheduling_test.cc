// When the SSE session writes: its opening at once, in one write; the events of one dispatch
// pass together, in one gathered write after the pass (Shard::AfterDispatch), not one each.
#include <string>
#include <vector>

#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

TEST(SseWriteSchedulingTest, OpensWithTheHeadCommentRetryAndIdOnlyBlockInOneWrite) {
  SessionHarness harness({.sse_retry = absl::Seconds(3)});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);
  const std::string received = peer.received();
  EXPECT_EQ(received.size(), opening);
  const std::string head =
      "HTTP/1.1 200 OK\r\nServer: herald\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(received.substr(0, head.size()), head);
  EXPECT_EQ(received.substr(head.size()).find(": herald\nretry: 3000\n\nid: "), 0u);
  EXPECT_EQ(peer.writes(), 1);
}

TEST(SseWriteSchedulingTest, EventsOfOneDispatchPassGoOutInOneWriteAfterThePass) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  ASSERT_GT(WaitForOpening(peer), 0u);
  const int opened = peer.writes();

  ASSERT_TRUE(harness.Publish("t", {"a", "b", "c", "d", "e"}).ok());
  ASSERT_TRUE(peer.WaitForText("data: e\n\n"));
  EXPECT_EQ(peer.writes(), opened + 1);

  // Each later pass is a write of its own.
  ASSERT_TRUE(harness.Publish("t", {"f", "g"}).ok());
  ASSERT_TRUE(harness.Publish("t", {"h"}).ok());
  ASSERT_TRUE(peer.WaitForText("data: h\n\n"));
  EXPECT_EQ(peer.writes(), opened + 3);
  EXPECT_EQ(EventData(peer.received()),
            (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h"}));
}

TEST(SseWriteSchedulingTest, AMultiTopicStreamGathersItsOwnIdLinesWithTheSharedEvents) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("a").ok());
  ASSERT_TRUE(harness.CreateTopic("b").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=a&topic=b");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);
  const int opened = peer.writes();

  ASSERT_TRUE(harness.Publish("a", {"1", "2", "3"}).ok());
  ASSERT_TRUE(peer.WaitForText("data: 3\n\n"));
  EXPECT_EQ(peer.writes(), opened + 1);
  const std::string events = peer.received().substr(opening);
  EXPECT_EQ(EventData(events), (std::vector<std::string>{"1", "2", "3"}));
  // Each event carries an id of both topics' positions, written apart from the shared fields.
  EXPECT_EQ(Occurrences(events, "id: "), 3u);
}

}  // namespace
}  // namespace herald::edge::sse
