#include "broker/fanout/shard.h"

#include <future>
#include <memory>

#include "boost/asio/post.hpp"
#include "gtest/gtest.h"
#include "tests/testing/wait_for.h"

namespace herald::fanout {
namespace {

using ::herald::testing::WaitFor;

std::shared_ptr<const EncodedEvent> MakeEvent(uint64_t offset) {
  return EncodeEvent(std::make_shared<Event>(Event{.topic = "t", .offset = offset, .epoch = 1}));
}

TEST(ShardPoolTest, NextSpreadsConnectionsRoundRobin) {
  ShardPool pool(3);
  EXPECT_EQ(pool.Next().id(), 0u);
  EXPECT_EQ(pool.Next().id(), 1u);
  EXPECT_EQ(pool.Next().id(), 2u);
  EXPECT_EQ(pool.Next().id(), 0u);
}

TEST(ShardPoolTest, OverloadedWhileAShardIsBehindByMoreThanTheBacklogLimit) {
  ShardPool pool(2, /*max_backlog=*/2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Hold shard 1's thread so its inbox cannot drain.
  boost::asio::post(pool.shard(1).context(), [released] { released.wait(); });
  for (uint64_t offset = 1; offset <= 3; ++offset) pool.Publish(MakeEvent(offset));
  EXPECT_TRUE(pool.Overloaded());
  EXPECT_EQ(pool.shard(1).backlog(), 3u);
  release.set_value();
  EXPECT_TRUE(WaitFor([&] { return !pool.Overloaded(); }, absl::Seconds(10)));
  EXPECT_EQ(pool.shard(1).backlog(), 0u);
}

}  // namespace
}  // namespace herald::fanout
