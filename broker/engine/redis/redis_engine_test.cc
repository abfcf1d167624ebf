#include "broker/engine/redis/redis_engine.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/core/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/wait_for.h"

namespace herald::engine {
namespace {

using ::herald::testing::RedisServer;
using ::herald::testing::WaitFor;

// One Herald node: an engine and what its sink received.
struct Node {
  explicit Node(const std::string& url) {
    RedisEngineOptions options{.address = *ParseRedisUrl(url),
                               .prefix = "test:",
                               .check_interval = absl::Milliseconds(100)};
    engine = *RedisEngine::Start({}, options);
    engine->SetSink([this](const EventPtr& event) {
      MutexLock lock(mu);
      received.push_back(event);
    });
  }

  std::vector<EventPtr> Received() {
    MutexLock lock(mu);
    return received;
  }

  // The offsets received for `topic`, in order.
  std::vector<uint64_t> Offsets(const std::string& topic) {
    std::vector<uint64_t> offsets;
    for (const EventPtr& e : Received()) {
      if (e->topic == topic) offsets.push_back(e->offset);
    }
    return offsets;
  }

  bool Knows(const std::string& topic) { return engine->GetTopic(topic).ok(); }

  Mutex mu;
  std::vector<EventPtr> received ABSL_GUARDED_BY(mu);
  // Last: stopped first, while its sink's vector still exists.
  std::unique_ptr<RedisEngine> engine;
};

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> offsets;
  for (uint64_t o = first; o <= last; ++o) offsets.push_back(o);
  return offsets;
}

class RedisEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    if (absl::IsNotFound(server.status())) GTEST_SKIP() << server.status();
    ASSERT_TRUE(server.ok()) << server.status();
    redis = *std::move(server);
    a = std::make_unique<Node>(redis->url());
    b = std::make_unique<Node>(redis->url());
    ASSERT_TRUE(a->engine->Readiness().ok()) << a->engine->Readiness();
  }

  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<Node> a;
  std::unique_ptr<Node> b;
};

TEST_F(RedisEngineTest, EventsPublishedOnOneNodeReachEveryNodeOnceInOrder) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "orders"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Knows("orders"); }, absl::Seconds(5)));
  for (int i = 0; i < 200; ++i) {
    a->engine->Publish({.topic = "orders", .data = absl::StrCat(i)},
                       [](absl::StatusOr<EventPtr> e) { ASSERT_TRUE(e.ok()) << e.status(); });
  }
  // The publishing node delivers its own events from their replies, the other from pub/sub:
  // either may finish first.
  ASSERT_TRUE(WaitFor([&] { return b->Offsets("orders").size() >= 200; }, absl::Seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return a->Offsets("orders").size() >= 200; }, absl::Seconds(10)));
  EXPECT_EQ(b->Offsets("orders"), Range(1, 200));
  EXPECT_EQ(a->Offsets("orders"), Range(1, 200));
  EXPECT_EQ(b->Received()[199]->data, "199");
  absl::StatusOr<ReadResult> read = b->engine->ReadAfter("orders", 150, 10);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->events.front()->offset, 151u);
  EXPECT_EQ(read->last_offset, 200u);
}

TEST_F(RedisEngineTest, APublishIsAnsweredAfterItsNodeDeliveredIt) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  absl::StatusOr<EventPtr> e = PublishAndWait(*a->engine, {.topic = "t", .data = "x"});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->offset, 1u);
  EXPECT_EQ(a->Offsets("t"), Range(1, 1));
  EXPECT_EQ(a->engine->GetTopic("t")->last_offset, 1u);
}

TEST_F(RedisEngineTest, ADedupKeyAnswersWithTheFirstEventOnAnyNode) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Knows("t"); }, absl::Seconds(5)));
  absl::StatusOr<EventPtr> first =
      PublishAndWait(*a->engine, {.topic = "t", .data = "once", .dedup_key = "k"});
  absl::StatusOr<EventPtr> again =
      PublishAndWait(*b->engine, {.topic = "t", .data = "twice", .dedup_key = "k"});
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ((*again)->offset, (*first)->offset);
  EXPECT_EQ((*again)->data, "once");
  EXPECT_EQ(b->engine->GetTopic("t")->last_offset, 1u);
}

TEST_F(RedisEngineTest, UnknownTopicsAndBadRequestsGetClearErrors) {
  absl::StatusOr<EventPtr> missing = PublishAndWait(*a->engine, {.topic = "nope", .data = "x"});
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_TRUE(absl::IsInvalidArgument(PublishAndWait(*a->engine, {.topic = "a b"}).status()));
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(b->engine->CreateTopic({.name = "t"}).status()));
  EXPECT_TRUE(absl::IsNotFound(a->engine->DeleteTopic("nope")));
}

TEST_F(RedisEngineTest, EventsMissedWhilePubSubWasCutAreRefilledInOrder) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Knows("t"); }, absl::Seconds(5)));
  for (int i = 0; i < 300; ++i) {
    if (i % 100 == 50) {
      ASSERT_TRUE(redis->Call({"CLIENT", "KILL", "TYPE", "pubsub"}).ok());
    }
    ASSERT_TRUE(PublishAndWait(*a->engine, {.topic = "t", .data = "x"}).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return b->Offsets("t").size() >= 300; }, absl::Seconds(10)));
  EXPECT_EQ(b->Offsets("t"), Range(1, 300));
}

TEST_F(RedisEngineTest, ARedisRestartKeepsOffsetsAndFailsPublishesMeanwhile) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  ASSERT_TRUE(PublishAndWait(*a->engine, {.topic = "t", .data = "1"}).ok());
  redis->Stop();
  ASSERT_TRUE(WaitFor([&] { return !a->engine->Readiness().ok(); }, absl::Seconds(5)));
  absl::StatusOr<EventPtr> refused = PublishAndWait(*a->engine, {.topic = "t", .data = "x"});
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find(absl::StrCat("127.0.0.1:", redis->port())),
            std::string::npos)
      << refused.status();
  ASSERT_TRUE(redis->Restart(/*wipe=*/false).ok());
  ASSERT_TRUE(WaitFor([&] { return a->engine->Readiness().ok(); }, absl::Seconds(10)));
  absl::StatusOr<EventPtr> next = PublishAndWait(*a->engine, {.topic = "t", .data = "2"});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)->offset, 2u);
  ASSERT_TRUE(WaitFor([&] { return b->Offsets("t").size() >= 2; }, absl::Seconds(10)));
  EXPECT_EQ(b->Offsets("t"), Range(1, 2));
}

TEST_F(RedisEngineTest, EveryPublishInFlightWhenRedisStopsIsAnswered) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  std::atomic<int> answered{0};
  std::atomic<int> stored{0};
  constexpr int kPublishes = 20000;
  std::thread stopper([&] {
    WaitFor([&] { return stored.load() > 2000; }, absl::Seconds(10));
    redis->Stop();
  });
  for (int i = 0; i < kPublishes; ++i) {
    a->engine->Publish({.topic = "t", .data = "x"}, [&](absl::StatusOr<EventPtr> e) {
      if (e.ok()) ++stored;
      ++answered;
    });
    if (i % 64 == 63) WaitFor([&] { return answered.load() > i - 64; }, absl::Seconds(5));
  }
  stopper.join();
  EXPECT_TRUE(WaitFor([&] { return answered.load() == kPublishes; }, absl::Seconds(10)))
      << answered.load() << " of " << kPublishes << " answered, " << stored.load() << " stored";
}

TEST_F(RedisEngineTest, ARedisThatLostItsDataGetsTheTopicBackInANewEpochWithoutReusingOffsets) {
  ASSERT_TRUE(
      a->engine->CreateTopic({.name = "t", .allow_browser_publish = true, .max_subscribers = 3})
          .ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PublishAndWait(*a->engine, {.topic = "t"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Offsets("t").size() == 5; }, absl::Seconds(5)));
  const uint32_t epoch = a->engine->GetTopic("t")->epoch;
  ASSERT_TRUE(redis->Restart(/*wipe=*/true).ok());
  ASSERT_TRUE(WaitFor([&] { return b->engine->GetTopic("t")->epoch != epoch; }, absl::Seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return a->engine->GetTopic("t")->epoch != epoch; }, absl::Seconds(10)));
  absl::StatusOr<EventPtr> next = PublishAndWait(*a->engine, {.topic = "t"});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE((*next)->epoch, epoch);
  EXPECT_GT((*next)->offset, 5u);
  EXPECT_TRUE(b->engine->GetTopic("t")->config.allow_browser_publish);
  EXPECT_EQ(b->engine->GetTopic("t")->config.max_subscribers, 3u);
}

TEST_F(RedisEngineTest, ANodeAheadOfRedisMovesTheTopicToANewEpoch) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(PublishAndWait(*a->engine, {.topic = "t"}).ok());
  const uint32_t epoch = a->engine->GetTopic("t")->epoch;
  // What a restart from an older snapshot looks like: Redis forgot the newest event.
  ASSERT_TRUE(redis->Call({"XDEL", "test:{t}:log", "3-0"}).ok());
  ASSERT_TRUE(redis->Call({"HSET", "test:{t}:meta", "next", "3"}).ok());
  ASSERT_TRUE(WaitFor([&] { return a->engine->GetTopic("t")->epoch != epoch; }, absl::Seconds(5)));
  absl::StatusOr<EventPtr> next = PublishAndWait(*b->engine, {.topic = "t"});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_GE((*next)->offset, 4u);
}

TEST_F(RedisEngineTest, ACursorAheadOfTheNodeIsCaughtUpOrRotates) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Knows("t"); }, absl::Seconds(5)));
  const uint32_t epoch = a->engine->GetTopic("t")->epoch;
  // Offset 10 was never published: Redis is behind that cursor too.
  EXPECT_TRUE(b->engine->CatchUp("t", epoch, 10));
  ASSERT_TRUE(WaitFor([&] { return b->engine->GetTopic("t")->epoch != epoch; }, absl::Seconds(5)));
  absl::StatusOr<EventPtr> next = PublishAndWait(*a->engine, {.topic = "t"});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)->offset, 11u);
}

TEST_F(RedisEngineTest, TopicChangesReachEveryNode) {
  ASSERT_TRUE(a->engine->CreateTopic({.name = "t"}).ok());
  ASSERT_TRUE(WaitFor([&] { return b->Knows("t"); }, absl::Seconds(5)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(PublishAndWait(*a->engine, {.topic = "t"}).ok());
  ASSERT_TRUE(
      a->engine->UpdateTopic({.name = "t", .retention = {.max_events = 4}, .max_subscribers = 9})
          .ok());
  ASSERT_TRUE(
      WaitFor([&] { return b->engine->GetTopic("t")->first_offset == 7; }, absl::Seconds(5)));
  EXPECT_EQ(b->engine->GetTopic("t")->config.retention.max_events, 4u);
  EXPECT_EQ(b->engine->GetTopic("t")->config.max_subscribers, 9u);
  ASSERT_TRUE(b->engine->DeleteTopic("t").ok());
  ASSERT_TRUE(WaitFor([&] { return !a->Knows("t"); }, absl::Seconds(5)));
  EXPECT_EQ(a->engine->TopicCount(), 0u);
}

TEST(RedisEngineStartTest, AnUnreachableRedisIsReportedThenRecoveredFrom) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  if (absl::IsNotFound(server.status())) GTEST_SKIP() << server.status();
  ASSERT_TRUE(server.ok());
  (*server)->Kill();
  Node node((*server)->url());
  EXPECT_TRUE(absl::IsUnavailable(node.engine->Readiness()));
  absl::StatusOr<EventPtr> refused = PublishAndWait(*node.engine, {.topic = "t"});
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  ASSERT_TRUE((*server)->Restart(/*wipe=*/false).ok());
  ASSERT_TRUE(WaitFor([&] { return node.engine->Readiness().ok(); }, absl::Seconds(10)));
  ASSERT_TRUE(node.engine->CreateTopic({.name = "t"}).ok());
  EXPECT_TRUE(PublishAndWait(*node.engine, {.topic = "t"}).ok());
}

}  // namespace
}  // namespace herald::engine
