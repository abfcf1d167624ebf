#include "broker/session/session_registry.h"

#include <future>
#include <string>
#include <vector>

#include "boost/asio/post.hpp"
#include "gtest/gtest.h"

namespace herald::session {
namespace {

// Records what the session layer asked of it.
class RecordingSession final : public Session {
 public:
  explicit RecordingSession(std::vector<std::string> topics = {}) : topics_(std::move(topics)) {}

  void Describe(SessionSnapshot& out) const override {
    out.kind = "subscribe";
    out.topics = topics_;
    out.delivered = 7;
  }
  void OnSweep(absl::Time now) override {
    ++sweeps;
    last = now;
  }
  void Drain() override { ++drains; }
  void Disconnect(const absl::Status& reason) override { kicked_with = reason; }
  void Abort() override { ++aborts; }

  int sweeps = 0;
  int drains = 0;
  int aborts = 0;
  absl::Time last;
  absl::Status kicked_with;

 private:
  std::vector<std::string> topics_;
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

class SessionRegistryTest : public ::testing::Test {
 protected:
  SessionRegistryTest() : registry_(pool_, clock_, {.sweep_interval = absl::Hours(1)}) {}

  fanout::Shard& shard(size_t i) { return pool_.shard(i); }
  ShardSessions& table(size_t i) { return registry_.shard(i); }

  std::vector<SessionSnapshot> List(std::string topic = "",
                                    std::optional<Transport> transport = std::nullopt) {
    std::promise<std::vector<SessionSnapshot>> listed;
    registry_.List(topic, transport,
                   [&](std::vector<SessionSnapshot> all) { listed.set_value(std::move(all)); });
    return listed.get_future().get();
  }

  absl::Status Disconnect(std::string id) {
    std::promise<absl::Status> done;
    registry_.Disconnect(id, absl::UnavailableError("go away"),
                         [&](absl::Status status) { done.set_value(status); });
    return done.get_future().get();
  }

  FakeClock clock_{absl::FromUnixSeconds(100)};
  fanout::ShardPool pool_{2};
  SessionRegistry registry_;
};

TEST_F(SessionRegistryTest, ListsStreamsOfEveryShardInOpeningOrderButNotHttpConnections) {
  RecordingSession sse({"a"}), grpc({"a", "b"}), http;
  OnShard(shard(1), [&] { table(1).Add(&sse, Transport::kSse); });
  OnShard(shard(0), [&] {
    table(0).Add(&grpc, Transport::kGrpc);
    table(0).Add(&http, Transport::kHttp);
  });
  std::vector<SessionSnapshot> all = List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].transport, Transport::kSse);
  EXPECT_EQ(all[1].transport, Transport::kGrpc);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_EQ(all[0].opened_at, absl::FromUnixSeconds(100));
  EXPECT_EQ(all[1].delivered, 7u);
  EXPECT_EQ(List("b").size(), 1u);
  EXPECT_EQ(List("", Transport::kSse).size(), 1u);
  EXPECT_EQ(List("c").size(), 0u);
  EXPECT_EQ(registry_.OpenByTransport(),
            (std::map<std::string, uint64_t>{{"grpc", 1}, {"sse", 1}, {"ws", 0}}));
  OnShard(shard(1), [&] { table(1).Remove(&sse); });
  OnShard(shard(0), [&] {
    table(0).Remove(&grpc);
    table(0).Remove(&grpc);  // twice is harmless
    table(0).Remove(&http);
  });
  EXPECT_EQ(registry_.open_sessions(), 0u);
}

TEST_F(SessionRegistryTest, DisconnectReachesTheSessionWithThatIdOnly) {
  RecordingSession a({"a"}), b({"b"});
  OnShard(shard(0), [&] { table(0).Add(&a, Transport::kWs); });
  OnShard(shard(1), [&] { table(1).Add(&b, Transport::kSse); });
  const std::string id_b = List("b")[0].id;
  EXPECT_TRUE(Disconnect(id_b).ok());
  EXPECT_EQ(b.kicked_with.message(), "go away");
  EXPECT_TRUE(a.kicked_with.ok());
  EXPECT_EQ(Disconnect("c99999999").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Disconnect("bogus").code(), absl::StatusCode::kNotFound);
  OnShard(shard(0), [&] { table(0).Remove(&a); });
  OnShard(shard(1), [&] { table(1).Remove(&b); });
}

TEST_F(SessionRegistryTest, DrainRunsTheHooksFirstThenTellsEverySessionOnce) {
  RecordingSession a, b, late;
  OnShard(shard(0), [&] { table(0).Add(&a, Transport::kSse); });
  OnShard(shard(1), [&] { table(1).Add(&b, Transport::kGrpc); });
  int drains_seen_by_hook = -1;
  DrainHook hook(registry_, [&] { drains_seen_by_hook = a.drains + b.drains; });
  EXPECT_EQ(registry_.Drain(), 2u);
  EXPECT_EQ(registry_.Drain(), 0u);
  EXPECT_TRUE(registry_.draining());
  EXPECT_EQ(drains_seen_by_hook, 0);
  OnShard(shard(0), [&] { table(0).Add(&late, Transport::kWs); });
  OnShard(shard(1), [] {});
  EXPECT_EQ(a.drains, 1);
  EXPECT_EQ(b.drains, 1);
  EXPECT_EQ(late.drains, 1);
  EXPECT_FALSE(registry_.WaitUntilNoSessions(absl::Milliseconds(20)));
  OnShard(shard(0), [&] {
    table(0).Remove(&a);
    table(0).Remove(&late);
  });
  OnShard(shard(1), [&] { table(1).Remove(&b); });
  EXPECT_TRUE(registry_.WaitUntilNoSessions(absl::Seconds(5)));
}

TEST_F(SessionRegistryTest, APromotedConnectionIsListedCountedAndDrainedAsAStream) {
  RecordingSession connection({"a"});
  OnShard(shard(0), [&] { table(0).Add(&connection, Transport::kHttp); });
  EXPECT_TRUE(List().empty());
  registry_.Drain();
  OnShard(shard(0), [&] { EXPECT_EQ(connection.drains, 1); });
  // Told to drain as a connection, and again as the stream it became.
  OnShard(shard(0), [&] { table(0).Promote(&connection, Transport::kSse); });
  EXPECT_EQ(connection.drains, 2);
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(registry_.OpenByTransport().at("sse"), 1u);
  OnShard(shard(0), [&] { table(0).Remove(&connection); });
  EXPECT_EQ(registry_.open_sessions(), 0u);
}

TEST_F(SessionRegistryTest, AbortCoversItsTransportsNowAndLater) {
  RecordingSession sse, grpc, late_ws;
  OnShard(shard(0), [&] {
    table(0).Add(&sse, Transport::kSse);
    table(0).Add(&grpc, Transport::kGrpc);
  });
  registry_.Abort(TransportSet::Of({Transport::kSse, Transport::kWs}));
  OnShard(shard(0), [&] { table(0).Add(&late_ws, Transport::kWs); });
  EXPECT_EQ(sse.aborts, 1);
  EXPECT_EQ(grpc.aborts, 0);
  EXPECT_EQ(late_ws.aborts, 1);
  OnShard(shard(0), [&] {
    table(0).Remove(&sse);
    table(0).Remove(&grpc);
    table(0).Remove(&late_ws);
  });
}

TEST(ShardSessionsTest, TheSweepVisitsWithTheClocksTimeAndAbortsWhatOutstaysADrain) {
  FakeClock clock(absl::FromUnixSeconds(100));
  fanout::ShardPool pool(1);
  SessionRegistry registry(
      pool, clock, {.sweep_interval = absl::Milliseconds(1), .drain_timeout = absl::Seconds(10)});
  RecordingSession session;
  OnShard(pool.shard(0), [&] { registry.shard(0).Add(&session, Transport::kSse); });
  // The sweep's own timer paces it; look on the shard until it has visited a few times.
  for (int visits = 0; visits < 3;) {
    OnShard(pool.shard(0), [&] { visits = session.sweeps; });
  }
  OnShard(pool.shard(0), [&] { EXPECT_EQ(session.last, absl::FromUnixSeconds(100)); });
  registry.Drain();
  // The drain's deadline is taken on the shard: advance the clock only once it has begun.
  for (int drains = 0; drains == 0;) {
    OnShard(pool.shard(0), [&] { drains = session.drains; });
  }
  clock.Advance(absl::Seconds(11));
  for (int aborts = 0; aborts == 0;) {
    OnShard(pool.shard(0), [&] { aborts = session.aborts; });
  }
  OnShard(pool.shard(0), [&] { registry.shard(0).Remove(&session); });
  registry.Stop();
}

TEST_F(SessionRegistryTest, ClosesAreCountedUnderTheReasonTheSessionNotedFirst) {
  RecordingSession slow({"a"}), quiet({"b"});
  OnShard(shard(0), [&] {
    table(0).Add(&slow, Transport::kSse);
    table(0).Add(&quiet, Transport::kWs);
    slow.NoteClose(CloseReason::kSlowConsumer);
    // Its socket then fails: still a slow consumer's close.
    slow.NoteClose(CloseReason::kError);
    table(0).Remove(&slow);
    table(0).Remove(&quiet);
  });
  EXPECT_EQ(registry_.closed(Transport::kSse, CloseReason::kSlowConsumer), 1u);
  EXPECT_EQ(registry_.closed(Transport::kSse, CloseReason::kError), 0u);
  EXPECT_EQ(registry_.closed(Transport::kWs, CloseReason::kClientClosed), 1u);
  EXPECT_EQ(registry_.opened(Transport::kSse), 1u);
  EXPECT_EQ(CloseReasonName(CloseReason::kSlowConsumer), "slow_consumer");
}

TEST_F(SessionRegistryTest, KicksDrainsAndStopsNoteTheirReason) {
  RecordingSession kicked, drained;
  OnShard(shard(0), [&] {
    table(0).Add(&kicked, Transport::kGrpc);
    table(0).Add(&drained, Transport::kSse);
  });
  ASSERT_TRUE(Disconnect(List()[0].id).ok());
  registry_.Drain();
  OnShard(shard(0), [&] {
    table(0).Remove(&kicked);
    table(0).Remove(&drained);
  });
  EXPECT_EQ(registry_.closed(Transport::kGrpc, CloseReason::kKicked), 1u);
  EXPECT_EQ(registry_.closed(Transport::kSse, CloseReason::kDrained), 1u);
}

TEST_F(SessionRegistryTest, AnHttpPhaseConnectionCountsOnlyWithAReasonOfItsOwn) {
  RecordingSession handed_over, timed_out;
  OnShard(shard(0), [&] {
    table(0).Add(&handed_over, Transport::kHttp);
    table(0).Add(&timed_out, Transport::kHttp);
    timed_out.NoteClose(CloseReason::kHandshakeTimeout);
    table(0).Remove(&handed_over);
    table(0).Remove(&timed_out);
  });
  EXPECT_EQ(registry_.closed(Transport::kHttp, CloseReason::kClientClosed), 0u);
  EXPECT_EQ(registry_.closed(Transport::kHttp, CloseReason::kHandshakeTimeout), 1u);
}

}  // namespace
}  // namespace herald::session
