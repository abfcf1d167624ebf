#include "broker/core/topic_log.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald {
namespace {

class TopicLogTest : public testing::Test {
 protected:
  std::shared_ptr<TopicLog> MakeLog(RetentionPolicy retention) {
    TopicConfig config{.name = "t", .retention = retention};
    EXPECT_TRUE(store_.CreateTopic(config, 5).ok());
    return std::make_shared<TopicLog>(config, 5, store_, clock_, sink_);
  }

  // The memory store answers inline, so the outcome is there when Append returns.
  absl::StatusOr<EventPtr> TryAppend(TopicLog& log, std::string data, std::string dedup = "") {
    std::optional<absl::StatusOr<EventPtr>> outcome;
    log.Append({.topic = "t", .data = std::move(data), .dedup_key = std::move(dedup)},
               [&outcome](absl::StatusOr<EventPtr> event) { outcome = std::move(event); });
    EXPECT_TRUE(outcome.has_value());
    return outcome.value_or(absl::InternalError("no answer"));
  }

  EventPtr Append(TopicLog& log, std::string data, std::string dedup = "") {
    absl::StatusOr<EventPtr> event = TryAppend(log, std::move(data), std::move(dedup));
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : nullptr;
  }

  store::MemoryStore store_;
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  std::vector<uint64_t> sunk_;
  EventSink sink_ = [this](const EventPtr& e) { sunk_.push_back(e->offset); };
};

TEST_F(TopicLogTest, OffsetsStartAtOneAndHaveNoGaps) {
  auto log = MakeLog({.max_events = 100});
  for (uint64_t i = 1; i <= 10; ++i) {
    EventPtr event = Append(*log, "x");
    EXPECT_EQ(event->offset, i);
    EXPECT_EQ(event->epoch, 5u);
    EXPECT_EQ(event->publish_time, clock_.Now());
  }
  EXPECT_EQ(sunk_, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(TopicLogTest, CountRetentionKeepsTheNewestEvents) {
  auto log = MakeLog({.max_events = 3});
  for (int i = 0; i < 10; ++i) Append(*log, "x");
  TopicInfo info = log->Info();
  EXPECT_EQ(info.first_offset, 8u);
  EXPECT_EQ(info.last_offset, 10u);
  absl::StatusOr<ReadResult> read = log->ReadAfter(0, 100);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->events.size(), 3u);
  EXPECT_EQ(read->events[0]->offset, 8u);
}

TEST_F(TopicLogTest, ByteRetentionCountsTypeAndData) {
  auto log = MakeLog({.max_events = 100, .max_bytes = 10});
  Append(*log, "aaaa");
  Append(*log, "bbbb");
  Append(*log, "cccc");  // 12 bytes retained would exceed 10
  TopicInfo info = log->Info();
  EXPECT_EQ(info.first_offset, 2u);
  EXPECT_EQ(info.retained_bytes, 8u);
}

TEST_F(TopicLogTest, AgeRetentionDropsOldEventsEvenWithoutNewPublishes) {
  auto log = MakeLog({.max_events = 100, .max_age = absl::Seconds(10)});
  Append(*log, "old");
  clock_.Advance(absl::Seconds(6));
  Append(*log, "newer");
  clock_.Advance(absl::Seconds(5));
  absl::StatusOr<ReadResult> read = log->ReadAfter(0, 100);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->events.size(), 1u);
  EXPECT_EQ(read->events[0]->data, "newer");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(log->Info().first_offset, 3u);
  EXPECT_EQ(log->Info().last_offset, 2u);
}

TEST_F(TopicLogTest, ReadAfterReturnsBoundsAndAtMostMaxEvents) {
  auto log = MakeLog({.max_events = 100});
  for (int i = 0; i < 5; ++i) Append(*log, std::to_string(i));
  absl::StatusOr<ReadResult> read = log->ReadAfter(2, 2);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->epoch, 5u);
  EXPECT_EQ(read->first_offset, 1u);
  EXPECT_EQ(read->last_offset, 5u);
  ASSERT_EQ(read->events.size(), 2u);
  EXPECT_EQ(read->events[0]->offset, 3u);
  EXPECT_EQ(read->events[1]->offset, 4u);
  EXPECT_TRUE(log->ReadAfter(5, 10)->events.empty());
}

TEST_F(TopicLogTest, DedupKeyReturnsTheFirstEventWithoutAppending) {
  auto log = MakeLog({.max_events = 100});
  EventPtr first = Append(*log, "payment", "key-1");
  EventPtr again = Append(*log, "payment", "key-1");
  EXPECT_EQ(first->offset, again->offset);
  EXPECT_EQ(log->Info().last_offset, 1u);
  EXPECT_EQ(sunk_.size(), 1u);
}

TEST_F(TopicLogTest, DedupKeyIsForgottenWithItsEvent) {
  auto log = MakeLog({.max_events = 1});
  Append(*log, "a", "key-1");
  Append(*log, "b");
  EXPECT_EQ(Append(*log, "a", "key-1")->offset, 3u);
}

TEST_F(TopicLogTest, TighterRetentionTrimsAtOnce) {
  auto log = MakeLog({.max_events = 100});
  for (int i = 0; i < 10; ++i) Append(*log, "x");
  ASSERT_TRUE(log->SetConfig({.name = "t", .retention = {.max_events = 2}}).ok());
  EXPECT_EQ(log->Info().first_offset, 9u);
  EXPECT_EQ(log->SetConfig({.name = "other"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TopicLogTest, AppendToADeletedTopicFailsAndConsumesNoOffset) {
  auto log = MakeLog({.max_events = 100});
  Append(*log, "x");
  ASSERT_TRUE(store_.DeleteTopic("t").ok());
  EXPECT_EQ(TryAppend(*log, "y").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(log->Info().last_offset, 1u);
  EXPECT_EQ(sunk_, (std::vector<uint64_t>{1}));
  ASSERT_TRUE(store_.CreateTopic({.name = "t"}, 5).ok());
  // The failed append's offset is the next one given.
  EXPECT_EQ(TryAppend(*log, "z").value()->offset, 2u);
}

TEST_F(TopicLogTest, RestoredBoundsContinueOffsets) {
  TopicConfig config{.name = "t", .retention = {.max_events = 100}};
  ASSERT_TRUE(store_.CreateTopic(config, 9).ok());
  auto log = std::make_shared<TopicLog>(
      config, 9, store_, clock_, sink_,
      StoredBounds{.first_offset = 4, .next_offset = 7, .retained_bytes = 3});
  EXPECT_EQ(log->Info().first_offset, 4u);
  EXPECT_EQ(log->Info().last_offset, 6u);
  EventPtr next = Append(*log, "x");
  EXPECT_EQ(next->offset, 7u);
  EXPECT_EQ(next->epoch, 9u);
}

TEST_F(TopicLogTest, PublishTimesNeverGoBackwards) {
  auto log = MakeLog({.max_events = 100});
  EventPtr first = Append(*log, "a");
  clock_.Advance(absl::Seconds(-5));
  EXPECT_EQ(Append(*log, "b")->publish_time, first->publish_time);
}

TEST(NewEpochTest, IsNeverZero) {
  for (int i = 0; i < 1000; ++i) EXPECT_NE(NewEpoch(), 0u);
}

}  // namespace
}  // namespace herald
