#include "broker/broker.h"

#include <string>
#include <vector>

#include "broker/core/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/wait_for.h"

namespace herald {
namespace {

using ::herald::testing::WaitFor;

// Collects callback deliveries, which arrive on a shard thread.
class Inbox {
 public:
  SubscribeCallback Callback() {
    return [this](const SubscriberEvent& e) {
      MutexLock lock(mu_);
      items_.push_back(e.kind == SubscriberEvent::Kind::kEvent ? e.event->data
                                                               : "notice:" + e.message);
      last_cursor_ = e.cursor;
    };
  }
  std::vector<std::string> items() {
    MutexLock lock(mu_);
    return items_;
  }
  std::string last_cursor() {
    MutexLock lock(mu_);
    return last_cursor_;
  }

 private:
  Mutex mu_;
  std::vector<std::string> items_ ABSL_GUARDED_BY(mu_);
  std::string last_cursor_ ABSL_GUARDED_BY(mu_);
};

std::unique_ptr<Broker> StartBroker() {
  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start({.shards = 2});
  EXPECT_TRUE(broker.ok()) << broker.status();
  return std::move(broker).value();
}

TEST(BrokerTest, PublishReturnsOffsetAndAResumableCursor) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker->CreateTopic({.name = "orders"}).ok());
  absl::StatusOr<PublishResult> first = broker->Publish({.topic = "orders", .data = "a"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->offset, 1u);
  ASSERT_TRUE(broker->Publish({.topic = "orders", .data = "b"}).ok());

  Inbox inbox;
  auto sub = broker->Subscribe({"orders"}, first->cursor, inbox.Callback());
  ASSERT_TRUE(sub.ok()) << sub.status();
  ASSERT_TRUE(broker->Publish({.topic = "orders", .data = "c"}).ok());
  ASSERT_TRUE(WaitFor([&] { return inbox.items().size() == 2; }, absl::Seconds(10)));
  EXPECT_EQ(inbox.items(), (std::vector<std::string>{"b", "c"}));
}

TEST(BrokerTest, CancelStopsDelivery) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker->CreateTopic({.name = "t"}).ok());
  Inbox inbox;
  auto sub = broker->Subscribe({"t"}, "", inbox.Callback());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(broker->Publish({.topic = "t", .data = "1"}).ok());
  ASSERT_TRUE(WaitFor([&] { return inbox.items().size() == 1; }, absl::Seconds(10)));
  (*sub)->Cancel();
  ASSERT_TRUE(broker->Publish({.topic = "t", .data = "2"}).ok());
  // A later subscriber seeing "2" proves the publish was fanned out after the cancel.
  Inbox witness;
  auto other = broker->Subscribe({"t"}, inbox.last_cursor(), witness.Callback());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(WaitFor([&] { return witness.items().size() == 1; }, absl::Seconds(10)));
  EXPECT_EQ(inbox.items(), (std::vector<std::string>{"1"}));
}

TEST(BrokerTest, SubscribeRejectsBadInputWithClearErrors) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker->CreateTopic({.name = "t"}).ok());
  Inbox inbox;
  EXPECT_EQ(broker->Subscribe({}, "", inbox.Callback()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(broker->Subscribe({"t"}, "not-a-cursor", inbox.Callback()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(broker->Subscribe({"nope"}, "", inbox.Callback()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(broker->Subscribe({"t"}, "", nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BrokerTest, TopicLifecycleThroughTheBroker) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker->CreateTopic({.name = "a"}).ok());
  EXPECT_EQ(broker->CreateTopic({.name = "a"}).status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(broker->UpdateTopic({.name = "a", .retention = {.max_events = 5}}).ok());
  EXPECT_EQ(broker->GetTopic("a")->config.retention.max_events, 5u);
  EXPECT_EQ(broker->ListTopics().size(), 1u);
  ASSERT_TRUE(broker->DeleteTopic("a").ok());
  EXPECT_EQ(broker->GetTopic("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(broker->Publish({.topic = "a", .data = "x"}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace herald
