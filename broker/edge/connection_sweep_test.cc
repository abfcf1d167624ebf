#include "broker/edge/connection_sweep.h"

#include <future>
#include <memory>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"
#include "gtest/gtest.h"

namespace herald::edge {
namespace {

// Records what the sweep asked of it.
class RecordingConnection final : public SweptConnection {
 public:
  void OnSweep(absl::Time now) override {
    ++sweeps;
    last = now;
  }
  void Drain() override { ++drains; }
  void Abort() override { ++aborts; }

  int sweeps = 0;
  int drains = 0;
  int aborts = 0;
  absl::Time last;
};

// Runs `fn` on the shard and waits for it.
template <typename Fn>
void OnShard(fanout::Shard& shard, Fn fn) {
  std::promise<void> done;
  boost::asio::post(shard.context(), [&] {
    fn();
    done.set_value();
  });
  done.get_future().get();
}

TEST(ConnectionSweepTest, AddRemoveKeepsEveryOtherConnection) {
  fanout::EncodedHistory history;
  fanout::Shard shard(0, history);
  FakeClock clock(absl::FromUnixSeconds(100));
  ConnectionSweep sweep(shard, clock, absl::Hours(1));
  RecordingConnection a, b, c;
  OnShard(shard, [&] {
    sweep.Add(&a);
    sweep.Add(&b);
    sweep.Add(&c);
    sweep.Remove(&a);
    sweep.Remove(&a);  // twice is harmless
    EXPECT_EQ(sweep.size(), 2u);
    sweep.DrainAll();
  });
  EXPECT_EQ(a.drains, 0);
  EXPECT_EQ(b.drains, 1);
  EXPECT_EQ(c.drains, 1);
  OnShard(shard, [&] {
    sweep.Remove(&b);
    sweep.Remove(&c);
    EXPECT_EQ(sweep.size(), 0u);
  });
}

TEST(ConnectionSweepTest, ConnectionsAddedDuringShutdownAreDrainedOrAborted) {
  fanout::EncodedHistory history;
  fanout::Shard shard(0, history);
  FakeClock clock(absl::FromUnixSeconds(100));
  ConnectionSweep sweep(shard, clock, absl::Hours(1));
  RecordingConnection late_for_drain, late_for_stop;
  OnShard(shard, [&] {
    sweep.DrainAll();
    sweep.Add(&late_for_drain);
    sweep.Stop();
    sweep.Add(&late_for_stop);
    sweep.Remove(&late_for_drain);
    sweep.Remove(&late_for_stop);
  });
  EXPECT_EQ(late_for_drain.drains, 1);
  EXPECT_EQ(late_for_drain.aborts, 1);
  EXPECT_EQ(late_for_stop.aborts, 1);
}

TEST(ConnectionSweepTest, RunVisitsConnectionsWithTheClocksTimeUntilStopped) {
  fanout::EncodedHistory history;
  fanout::Shard shard(0, history);
  FakeClock clock(absl::FromUnixSeconds(100));
  ConnectionSweep sweep(shard, clock, absl::Milliseconds(1));
  RecordingConnection connection;
  std::promise<void> ended;
  OnShard(shard, [&] {
    sweep.Add(&connection);
    boost::asio::co_spawn(shard.context(), sweep.Run(),
                          [&](std::exception_ptr) { ended.set_value(); });
  });
  // The sweep's own timer paces it; wait on the shard until it has visited a few times.
  for (int visits = 0; visits < 3;) {
    OnShard(shard, [&] { visits = connection.sweeps; });
  }
  OnShard(shard, [&] {
    EXPECT_EQ(connection.last, absl::FromUnixSeconds(100));
    sweep.Remove(&connection);
    sweep.Stop();
  });
  ended.get_future().get();
}

}  // namespace
}  // namespace herald::edge
