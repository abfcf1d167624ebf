#include "broker/core/topic_log.h"

#include <string>
#include <vector>

#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald {
namespace {

class TopicLogTest : public testing::Test {
 protected:
  std::unique_ptr<TopicLog> MakeLog(RetentionPolicy retention) {
    TopicConfig config{.name = "t", .retention = retention};
    EXPECT_TRUE(store_.CreateTopic(config, 5).ok());
    return std::make_unique<TopicLog>(config, 5, store_, clock_);
  }

  EventPtr Append(TopicLog& log, std::string data, std::string dedup = "") {
    absl::StatusOr<EventPtr> event =
        log.Append({.topic = "t", .data = std::move(data), .dedup_key = std::move(dedup)},
                   [this](const EventPtr& e) { sunk_.push_back(e->offset); });
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : nullptr;
  }

  store::MemoryStore store_;
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  std::vector<uint64_t> sunk_;
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
  absl::StatusOr<EventPtr> event = log->Append({.topic = "t", .data = "y"}, nullptr);
  EXPECT_EQ(event.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(log->Info().last_offset, 1u);
}

TEST_F(TopicLogTest, RestoredHistoryContinuesOffsets) {
  TopicConfig config{.name = "t", .retention = {.max_events = 100}};
  ASSERT_TRUE(store_.CreateTopic(config, 9).ok());
  std::vector<EventPtr> stored;
  for (uint64_t offset : {4, 5, 6}) {
    auto event = std::make_shared<Event>(
        Event{.topic = "t", .offset = offset, .epoch = 9, .data = "d"});
    ASSERT_TRUE(store_.Append(event).ok());
    stored.push_back(event);
  }
  TopicLog log(config, 9, store_, clock_, stored);
  EXPECT_EQ(log.Info().first_offset, 4u);
  EventPtr next = Append(log, "x");
  EXPECT_EQ(next->offset, 7u);
  EXPECT_EQ(next->epoch, 9u);
}

TEST(NewEpochTest, IsNeverZero) {
  for (int i = 0; i < 1000; ++i) EXPECT_NE(NewEpoch(), 0u);
}

}  // namespace
}  // namespace herald
