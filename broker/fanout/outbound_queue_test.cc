#include "broker/fanout/outbound_queue.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace herald::fanout {
namespace {

std::string Flatten(const std::vector<boost::asio::const_buffer>& buffers) {
  std::string out;
  for (const auto& b : buffers) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

TEST(OutboundQueueTest, GathersEverythingQueuedIntoOneWriteInOrder) {
  OutboundQueue queue(1024);
  auto shared = std::make_shared<const std::string>("shared-body;");
  queue.PushOwned("id: 1\n");
  queue.PushShared(shared, *shared);
  queue.PushOwned(std::string(40, 'x'));  // longer than any small-string buffer
  EXPECT_EQ(queue.pending_bytes(), 6u + 12u + 40u);
  EXPECT_EQ(Flatten(queue.Prepare()), "id: 1\nshared-body;" + std::string(40, 'x'));
  EXPECT_FALSE(queue.has_pending());
  queue.Consume();
}

TEST(OutboundQueueTest, RoomCountsBytesInFlightUntilConsumed) {
  OutboundQueue queue(10);
  queue.PushOwned("12345");
  EXPECT_TRUE(queue.has_room());
  queue.PushOwned("67890");
  EXPECT_FALSE(queue.has_room());
  queue.Prepare();
  EXPECT_FALSE(queue.has_room());
  queue.Consume();
  EXPECT_TRUE(queue.has_room());
}

TEST(OutboundQueueTest, DropPendingKeepsWhatIsInFlight) {
  OutboundQueue queue(1024);
  queue.PushOwned("in flight;");
  EXPECT_EQ(Flatten(queue.Prepare()), "in flight;");
  queue.PushOwned("dropped");
  queue.DropPending();
  EXPECT_FALSE(queue.has_pending());
  EXPECT_EQ(queue.in_flight_bytes(), 10u);
  queue.Consume();
  queue.PushOwned("close");
  EXPECT_EQ(Flatten(queue.Prepare()), "close");
}

TEST(OutboundQueueTest, SharedBytesStayAliveWhileInFlight) {
  OutboundQueue queue(1024);
  auto owner = std::make_shared<const std::string>("payload");
  std::weak_ptr<const std::string> watch = owner;
  queue.PushShared(owner, *owner);
  owner.reset();
  const auto& buffers = queue.Prepare();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(Flatten(buffers), "payload");
  queue.Consume();
  EXPECT_TRUE(watch.expired());
}

TEST(OutboundQueueTest, GaugeCountsEachQueueUpToItsCap) {
  QueueGauge gauge;
  {
    OutboundQueue small(1 << 20, &gauge);
    OutboundQueue stalled(1 << 20, &gauge);
    EXPECT_EQ(gauge.queues(), 2);
    stalled.PushOwned(std::string(QueueGauge::kCapPerQueue * 4, 'x'));
    EXPECT_EQ(gauge.bytes(), QueueGauge::kCapPerQueue);
    // Under a step a queue's growth is not reported yet; past it, all of it is.
    small.PushOwned(std::string(100, 'x'));
    EXPECT_EQ(gauge.bytes(), QueueGauge::kCapPerQueue);
    small.PushOwned(std::string(QueueGauge::kReportStep, 'x'));
    const int64_t small_bytes = 100 + QueueGauge::kReportStep;
    EXPECT_EQ(gauge.bytes(), small_bytes + QueueGauge::kCapPerQueue);
    small.Prepare();
    EXPECT_EQ(gauge.bytes(), small_bytes + QueueGauge::kCapPerQueue);
    // Emptied: reported exactly, however small the change.
    small.Consume();
    EXPECT_EQ(gauge.bytes(), QueueGauge::kCapPerQueue);
    small.PushOwned(std::string(100, 'x'));
    small.Prepare();
    small.Consume();
    EXPECT_EQ(gauge.bytes(), QueueGauge::kCapPerQueue);
  }
  EXPECT_EQ(gauge.bytes(), 0);
  EXPECT_EQ(gauge.queues(), 0);
}

}  // namespace
}  // namespace herald::fanout
