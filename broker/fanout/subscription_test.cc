#include "broker/fanout/subscription.h"

#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/post.hpp"
#include "broker/engine/local/local_engine.h"
#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald::fanout {
namespace {

// Records what a session would send. Lives on the shard thread with its subscription.
class RecordingDelivery : public Delivery {
 public:
  bool HasRoom() const override { return room; }
  void Deliver(const std::shared_ptr<const EncodedEvent>& event, const std::string& id) override {
    items.push_back(event->event->topic + ":" + event->event->data);
    ids.push_back(id);
    if (on_deliver) on_deliver();
  }
  void DeliverNotice(const Notice& notice, const std::string& id) override {
    items.push_back(std::string(NoticeName(notice.kind)) + ":" + notice.topic);
    ids.push_back(id);
  }
  void Overflow() override { ++overflows; }

  bool room = true;
  int overflows = 0;
  std::function<void()> on_deliver;
  std::vector<std::string> items;
  std::vector<std::string> ids;
};

class SubscriptionTest : public testing::Test {
 protected:
  SubscriptionTest() : engine_(store_, SystemClock(), {}) {
    engine_.SetSink([this](const EventPtr& e) { shards_.Publish(EncodeEvent(e)); });
  }

  template <typename Fn>
  auto OnShard(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(shards_.shard(0).context(), [&task] { task(); });
    return result.get();
  }

  ~SubscriptionTest() override {
    OnShard([this] {
      subscription_.reset();
      return 0;
    });
    shards_.Stop();
  }

  // Waits until the shard has run everything posted so far.
  void Settle() {
    OnShard([] { return 0; });
  }

  void CreateTopic(const std::string& name, uint64_t max_events = 1000) {
    ASSERT_TRUE(engine_.CreateTopic({.name = name, .retention = {.max_events = max_events}}).ok());
  }

  EventPtr Publish(const std::string& topic, const std::string& data) {
    absl::StatusOr<EventPtr> event = PublishAndWait(engine_, {.topic = topic, .data = data});
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : nullptr;
  }

  absl::Status Subscribe(const std::vector<std::string>& topics, const std::string& from,
                         CursorMode mode = CursorMode::kCombined) {
    return OnShard([&]() -> absl::Status {
      subscription_ = std::make_unique<Subscription>(shards_.shard(0), engine_, delivery_, mode);
      Cursor cursor;
      if (!from.empty()) cursor = *Cursor::Parse(from);
      for (const std::string& topic : topics) {
        absl::Status status =
            subscription_->Add(topic, from.empty() ? nullptr : cursor.Find(topic));
        if (!status.ok()) return status;
      }
      subscription_->Pump();
      return absl::OkStatus();
    });
  }

  std::vector<std::string> Items() {
    return OnShard([this] { return delivery_.items; });
  }

  store::MemoryStore store_;
  engine::LocalEngine engine_;
  ShardPool shards_{1};
  RecordingDelivery delivery_;
  std::unique_ptr<Subscription> subscription_;
};

TEST_F(SubscriptionTest, WithoutACursorDeliversOnlyNewEvents) {
  CreateTopic("t");
  Publish("t", "old");
  ASSERT_TRUE(Subscribe({"t"}, "").ok());
  Publish("t", "new");
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"t:new"}));
}

TEST_F(SubscriptionTest, ResumeFromACursorDeliversEachLaterEventOnce) {
  CreateTopic("t");
  Publish("t", "1");
  const std::string cursor = EncodeEvent(Publish("t", "2"))->cursor;
  Publish("t", "3");
  Publish("t", "4");
  ASSERT_TRUE(Subscribe({"t"}, cursor).ok());
  Publish("t", "5");
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"t:3", "t:4", "t:5"}));
}

TEST_F(SubscriptionTest, CursorOlderThanRetentionGetsAGapNoticeThenTheOldestRetained) {
  CreateTopic("t", /*max_events=*/2);
  const std::string cursor = EncodeEvent(Publish("t", "1"))->cursor;
  for (const char* data : {"2", "3", "4"}) Publish("t", data);
  ASSERT_TRUE(Subscribe({"t"}, cursor).ok());
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"herald.gap:t", "t:3", "t:4"}));
}

TEST_F(SubscriptionTest, CursorOfAnotherEpochGetsAResetNotice) {
  CreateTopic("t");
  const std::string cursor = EncodeEvent(Publish("t", "old"))->cursor;
  ASSERT_TRUE(engine_.DeleteTopic("t").ok());
  CreateTopic("t");
  Publish("t", "a");
  Publish("t", "b");
  ASSERT_TRUE(Subscribe({"t"}, cursor).ok());
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"herald.reset:t", "t:a", "t:b"}));
}

TEST_F(SubscriptionTest, LiveSubscriberSeesAResetWhenTheTopicIsRecreated) {
  CreateTopic("t");
  Publish("t", "1");
  ASSERT_TRUE(Subscribe({"t"}, "").ok());
  Publish("t", "2");
  ASSERT_TRUE(engine_.DeleteTopic("t").ok());
  CreateTopic("t");
  Publish("t", "fresh");
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"t:2", "herald.reset:t", "t:fresh"}));
}

TEST_F(SubscriptionTest, UnknownTopicIsNotFoundAndDuplicateTopicAlreadyExists) {
  CreateTopic("t");
  EXPECT_EQ(Subscribe({"missing"}, "").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Subscribe({"t", "t"}, "").code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SubscriptionTest, ATopicWithItsMaxSubscribersRefusesAnotherUntilOneLeaves) {
  ASSERT_TRUE(engine_.CreateTopic({.name = "room", .max_subscribers = 1}).ok());
  CreateTopic("hall");
  ASSERT_TRUE(Subscribe({"room"}, "").ok());
  RecordingDelivery other;
  EXPECT_TRUE(OnShard([&] {
    Subscription second(shards_.shard(0), engine_, other, CursorMode::kCombined);
    const bool refused = absl::IsResourceExhausted(second.Add("room", nullptr));
    // A refused topic is not followed, and leaves no count behind.
    return refused && second.topics() == 0 && second.Add("hall", nullptr).ok() &&
           shards_.shard(0).audience().Count("room") == 1;
  }));
  EXPECT_TRUE(OnShard([this] {
    const bool removed = subscription_->Remove("room").ok();
    return removed && shards_.shard(0).audience().Count("room") == 0;
  }));
  // Destroying a subscription leaves every topic it followed.
  EXPECT_TRUE(OnShard([&] {
    {
      Subscription third(shards_.shard(0), engine_, other, CursorMode::kCombined);
      if (!third.Add("room", nullptr).ok()) return false;
    }
    return shards_.shard(0).audience().Count("room") == 0;
  }));
}

TEST_F(SubscriptionTest, LiveEventIntoAFullQueueReportsOverflowOnce) {
  CreateTopic("t");
  ASSERT_TRUE(Subscribe({"t"}, "").ok());
  OnShard([this] { return delivery_.room = false; });
  Publish("t", "1");
  Publish("t", "2");
  Settle();
  EXPECT_EQ(OnShard([this] { return delivery_.overflows; }), 1);
  EXPECT_TRUE(Items().empty());
}

TEST_F(SubscriptionTest, ReplayWaitsForRoomAndPumpContinuesWithoutLossOrDuplicates) {
  CreateTopic("t", 10000);
  const std::string cursor = EncodeEvent(Publish("t", "0"))->cursor;
  const int total = static_cast<int>(Subscription::kReplayBatch) * 3;
  for (int i = 1; i <= total; ++i) Publish("t", std::to_string(i));
  OnShard([this] { return delivery_.room = false; });
  ASSERT_TRUE(Subscribe({"t"}, cursor).ok());
  EXPECT_TRUE(Items().empty());
  EXPECT_TRUE(OnShard([this] { return subscription_->replaying(); }));
  // Live events published meanwhile are read from the store, not lost.
  Publish("t", "late");
  OnShard([this] {
    delivery_.room = true;
    subscription_->Pump();
    return 0;
  });
  Publish("t", "live");
  Settle();
  std::vector<std::string> expected;
  for (int i = 1; i <= total; ++i) expected.push_back("t:" + std::to_string(i));
  expected.push_back("t:late");
  expected.push_back("t:live");
  EXPECT_EQ(Items(), expected);
  EXPECT_EQ(OnShard([this] { return delivery_.overflows; }), 0);
}

TEST_F(SubscriptionTest, CombinedCursorResumesEveryTopicOfTheStream) {
  CreateTopic("a");
  CreateTopic("b");
  ASSERT_TRUE(Subscribe({"a", "b"}, "").ok());
  Publish("a", "a1");
  Publish("b", "b1");
  Settle();
  const std::string last_id = OnShard([this] { return delivery_.ids.back(); });
  OnShard([this] {
    subscription_.reset();
    delivery_.items.clear();
    return 0;
  });
  Publish("a", "a2");
  Publish("b", "b2");
  ASSERT_TRUE(Subscribe({"a", "b"}, last_id).ok());
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"a:a2", "b:b2"}));
}

TEST_F(SubscriptionTest, NoticesRaisedWhileJoiningCarryEveryTopicsPosition) {
  CreateTopic("a");
  CreateTopic("b");
  Publish("b", "b1");
  Publish("b", "b2");
  Cursor from;
  from.Set("a", engine_.GetTopic("a")->epoch + 1, 3);  // another history of "a"
  from.Set("b", engine_.GetTopic("b")->epoch, 0);
  ASSERT_TRUE(Subscribe({"a", "b"}, from.Encode()).ok());
  Settle();
  EXPECT_EQ(Items(), (std::vector<std::string>{"herald.reset:a", "b:b1", "b:b2"}));
  // Resuming from the notice's id must still owe b its whole history.
  const std::string notice_id = OnShard([this] { return delivery_.ids.front(); });
  absl::StatusOr<Cursor> parsed = Cursor::Parse(notice_id);
  ASSERT_TRUE(parsed.ok());
  ASSERT_NE(parsed->Find("b"), nullptr);
  EXPECT_EQ(parsed->Find("b")->offset, 0u);
}

TEST_F(SubscriptionTest, PerTopicModeUsesTheEventsOwnSharedCursor) {
  CreateTopic("a");
  CreateTopic("b");
  ASSERT_TRUE(Subscribe({"a", "b"}, "", CursorMode::kPerTopic).ok());
  EventPtr event = Publish("a", "x");
  Settle();
  EXPECT_EQ(OnShard([this] { return delivery_.ids.back(); }), EncodeEvent(event)->cursor);
}

TEST_F(SubscriptionTest, ResumeWhilePublishersRaceDeliversEverythingExactlyOnceInOrder) {
  CreateTopic("t", 100000);
  const std::string cursor = EncodeEvent(Publish("t", "0"))->cursor;
  std::atomic<bool> subscribed{false};
  std::thread publisher([&] {
    for (int i = 1; i <= 5000; ++i) {
      Publish("t", std::to_string(i));
      if (i == 2500) subscribed.wait(false);
    }
  });
  ASSERT_TRUE(Subscribe({"t"}, cursor).ok());
  subscribed = true;
  subscribed.notify_all();
  publisher.join();
  Settle();
  std::vector<std::string> expected;
  for (int i = 1; i <= 5000; ++i) expected.push_back("t:" + std::to_string(i));
  EXPECT_EQ(Items(), expected);
}

// Sessions schedule their write with Shard::AfterDispatch: it runs once the pass has handed
// every event to every session, before anything posted meanwhile.
TEST_F(SubscriptionTest, WorkScheduledDuringAPassRunsRightAfterThePass) {
  CreateTopic("t");
  ASSERT_TRUE(Subscribe({"t"}, "").ok());
  Shard& shard = shards_.shard(0);
  OnShard([&] {
    delivery_.on_deliver = [&] {
      if (delivery_.items.size() == 1) {
        boost::asio::post(shard.context(), [&] { delivery_.items.push_back("posted"); });
      }
      shard.AfterDispatch([&] { delivery_.items.push_back("after"); });
    };
    return 0;
  });
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  boost::asio::post(shard.context(), [released] { released.wait(); });
  // Published while the shard is held: the three events make one pass.
  for (const char* data : {"1", "2", "3"}) Publish("t", data);
  release.set_value();
  Settle();
  EXPECT_EQ(Items(),
            (std::vector<std::string>{"t:1", "t:2", "t:3", "after", "after", "after", "posted"}));
  // Outside a pass it is posted.
  OnShard([&] {
    shard.AfterDispatch([&] { delivery_.items.push_back("outside"); });
    return 0;
  });
  Settle();
  EXPECT_EQ(Items().back(), "outside");
}

}  // namespace
}  // namespace herald::fanout
