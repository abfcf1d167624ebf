#include "broker/fanout/encoded_history.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/engine/local/local_engine.h"
#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald::fanout {
namespace {

class EncodedHistoryTest : public testing::Test {
 protected:
  EncodedHistoryTest() {
    engine_.SetSink([this](const EventPtr& e) {
      auto encoded = EncodeEvent(e);
      recorded_.push_back(encoded);
      history_.Record(std::move(encoded));
    });
    EXPECT_TRUE(engine_.CreateTopic({.name = "t", .retention = {.max_events = 10'000}}).ok());
  }

  void PublishMany(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(PublishAndWait(engine_, {.topic = "t", .data = absl::StrCat(i)}).ok());
    }
  }

  std::vector<uint64_t> Offsets(const EncodedRead& read) {
    std::vector<uint64_t> offsets;
    for (const auto& e : read.events) offsets.push_back(e->event->offset);
    return offsets;
  }

  store::MemoryStore store_;
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  engine::LocalEngine engine_{store_, clock_, {}};
  EncodedHistory history_{{.events_per_topic = 8, .block_events = 4}};
  std::vector<std::shared_ptr<const EncodedEvent>> recorded_;
};

TEST_F(EncodedHistoryTest, RecentEventsComeBackAsFanOutEncodedThem) {
  PublishMany(10);
  absl::StatusOr<EncodedRead> read = history_.Read(engine_, "t", 5, 3);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(Offsets(*read), (std::vector<uint64_t>{6, 7, 8}));
  EXPECT_EQ(read->first_offset, 1u);
  EXPECT_EQ(read->last_offset, 10u);
  // The very objects fan-out encoded: nothing was read or encoded again.
  EXPECT_EQ(read->events[0], recorded_[5]);
  EXPECT_TRUE(history_.Read(engine_, "t", 10, 3)->events.empty());
}

TEST_F(EncodedHistoryTest, OlderEventsAreEncodedOncePerBlockForEveryReader) {
  PublishMany(20);  // offsets 13..20 are kept; older come from the store
  absl::StatusOr<EncodedRead> first = history_.Read(engine_, "t", 2, 10);
  absl::StatusOr<EncodedRead> second = history_.Read(engine_, "t", 1, 10);
  ASSERT_TRUE(first.ok() && second.ok());
  // Blocks of 4: offsets 1..4 hold the cursor; reads end with their block.
  EXPECT_EQ(Offsets(*first), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(Offsets(*second), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(first->events[0], second->events[1]) << "encoded once for both readers";
  EXPECT_NE(first->events[0], recorded_[2]);
}

TEST_F(EncodedHistoryTest, ANewEpochStartsTheTopicAfresh) {
  PublishMany(3);
  ASSERT_TRUE(engine_.DeleteTopic("t").ok());
  ASSERT_TRUE(engine_.CreateTopic({.name = "t"}).ok());
  PublishMany(2);
  absl::StatusOr<EncodedRead> read = history_.Read(engine_, "t", 0, 10);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(Offsets(*read), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(read->events[0], recorded_[3]);
  EXPECT_EQ(read->epoch, engine_.GetTopic("t")->epoch);
}

TEST_F(EncodedHistoryTest, UnknownTopicsAreNotFound) {
  EXPECT_EQ(history_.Read(engine_, "missing", 0, 10).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace herald::fanout
