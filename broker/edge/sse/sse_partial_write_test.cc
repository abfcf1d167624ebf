// A client that takes few bytes at a time still gets every byte of its stream, in order and
// once: what a write leaves goes out in the next, with one write in flight.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

// `count` events from `first` on, of a few dozen bytes each.
std::vector<std::string> Events(int first, int count) {
  std::vector<std::string> data;
  for (int i = first; i < first + count; ++i) data.push_back(absl::StrCat("event-", i, "-payload"));
  return data;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(SsePartialWriteTest, AConnectionTakingSevenBytesPerWriteGetsEveryEventInOrder) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t", {.write_size = 7});
  ASSERT_GT(WaitForOpening(peer), 0u);

  const std::vector<std::string> first = Events(0, 20);
  const std::vector<std::string> second = Events(20, 20);
  ASSERT_TRUE(harness.Publish("t", first).ok());
  ASSERT_TRUE(harness.Publish("t", second).ok());
  ASSERT_TRUE(peer.WaitForText("data: event-39-payload\n\n"));

  const std::string received = peer.received();
  EXPECT_EQ(EventData(received), Concat(first, second));
  // Every write was cut to 7 bytes, and none began before the one before had ended.
  EXPECT_GE(peer.writes(), static_cast<int>(received.size() / 7));
  EXPECT_EQ(peer.overlapping_writes(), 0);
}

TEST(SsePartialWriteTest, AWriteThatWaitsForTheClientGoesOnWhereItStopped) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  const size_t opening = WaitForOpening(peer);
  ASSERT_GT(opening, 0u);

  peer.ReadMore(0);
  const std::vector<std::string> first = Events(0, 5);
  ASSERT_TRUE(harness.Publish("t", first).ok());
  EXPECT_EQ(peer.received().size(), opening);
  // Queued behind the write that waits, not beside it.
  const std::vector<std::string> second = Events(5, 5);
  ASSERT_TRUE(harness.Publish("t", second).ok());

  // The client reads 9 bytes at a time: each step moves the stream on by that much, to the end.
  size_t allowed = opening;
  while (EventData(peer.received()).size() < 10) {
    peer.ReadMore(9);
    allowed += 9;
    ASSERT_TRUE(peer.WaitUntil([&](std::string_view received, bool) {
      return received.size() == allowed || EventData(received).size() == 10;
    })) << "stuck at "
        << peer.received().size() << " bytes of " << allowed;
    ASSERT_LE(peer.received().size(), allowed);
  }
  EXPECT_EQ(EventData(peer.received()), Concat(first, second));
  EXPECT_EQ(peer.overlapping_writes(), 0);
  EXPECT_FALSE(peer.closed());
}

}  // namespace
}  // namespace herald::edge::sse
