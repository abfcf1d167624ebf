// A client that stops reading while events keep coming: once its queue passes
// outbound_queue_bytes the stream closes as a slow consumer (it resumes from its last id), and
// the other streams of the shard go on unaffected.
#include <string>
#include <vector>

#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "broker/session/close_reason.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

TEST(SseSlowConsumerTest, AClientThatStopsReadingIsClosedOnceItsQueueIsFull) {
  SessionHarness harness({.outbound_queue_bytes = 4096});
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& slow = OpenSse(harness, "/v1/sse?topic=t");
  Peer& fast = OpenSse(harness, "/v1/sse?topic=t");
  ASSERT_GT(WaitForOpening(slow), 0u);
  ASSERT_GT(WaitForOpening(fast), 0u);
  slow.ReadMore(0);

  // 10 passes of 10 events of 200 bytes: 20 KB, five times the slow client's bound.
  std::vector<std::string> published;
  for (int pass = 0; pass < 10; ++pass) {
    std::vector<std::string> batch;
    for (int i = 0; i < 10; ++i) {
      batch.push_back(std::to_string(published.size()) + std::string(200, 'x'));
      published.push_back(batch.back());
    }
    ASSERT_TRUE(harness.Publish("t", batch).ok());
  }

  ASSERT_TRUE(slow.WaitForClose());
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kSse, session::CloseReason::kSlowConsumer));
  EXPECT_EQ(
      harness.registry().closed(session::Transport::kSse, session::CloseReason::kClientClosed), 0u);
  EXPECT_TRUE(EventData(slow.received()).empty());
  // A close on purpose, not a failing socket.
  EXPECT_EQ(harness.metrics().io_errors.load(), 0u);

  ASSERT_TRUE(fast.WaitForText(published.back() + "\n\n"));
  EXPECT_EQ(EventData(fast.received()), published);
  ASSERT_TRUE(harness.Publish("t", {"after"}).ok());
  EXPECT_TRUE(fast.WaitForText("data: after\n\n"));
  EXPECT_FALSE(fast.closed());
  EXPECT_EQ(harness.registry().open_sessions(), 1u);
}

}  // namespace
}  // namespace herald::edge::sse
