#include "broker/core/retention.h"

#include <vector>

#include "gtest/gtest.h"

namespace herald {
namespace {

// Ten events of 10 bytes each, one second apart, at offsets 1..10.
class FirstRetainedTest : public testing::Test {
 protected:
  uint64_t Cut(const RetentionPolicy& policy, uint64_t first = 1) {
    return FirstRetained(
        policy, now_, {.first = first, .next = 11, .total_bytes = 100}, [this](uint64_t offset) {
          ++marks_read_;
          return RetainedMark{(offset - 1) * 10, start_ + absl::Seconds(offset - 1)};
        });
  }

  absl::Time start_ = absl::FromUnixSeconds(1000);
  absl::Time now_ = start_ + absl::Seconds(10);
  int marks_read_ = 0;
};

TEST_F(FirstRetainedTest, KeepsEverythingWithinEveryBound) {
  EXPECT_EQ(Cut({.max_events = 10, .max_bytes = 100, .max_age = absl::Seconds(60)}), 1u);
}

TEST_F(FirstRetainedTest, CountKeepsTheNewestEvents) {
  EXPECT_EQ(Cut({.max_events = 3}), 8u);
  EXPECT_EQ(marks_read_, 0);
}

TEST_F(FirstRetainedTest, BytesKeepAsManyNewestEventsAsFit) {
  EXPECT_EQ(Cut({.max_events = 100, .max_bytes = 35}), 8u);
  EXPECT_EQ(Cut({.max_events = 100, .max_bytes = 5}), 11u);
  EXPECT_LE(marks_read_, 10);
}

TEST_F(FirstRetainedTest, AgeDropsEventsOlderThanMaxAge) {
  // Offset k was published k-1 seconds after start; now is start + 10 s.
  EXPECT_EQ(Cut({.max_events = 100, .max_age = absl::Seconds(4)}), 7u);
  EXPECT_EQ(Cut({.max_events = 100, .max_age = absl::Milliseconds(1)}), 11u);
}

TEST_F(FirstRetainedTest, TheTightestBoundWins) {
  EXPECT_EQ(Cut({.max_events = 5, .max_bytes = 30, .max_age = absl::Seconds(60)}), 8u);
  EXPECT_EQ(Cut({.max_events = 2, .max_bytes = 30}), 9u);
}

TEST_F(FirstRetainedTest, NeverMovesBackBeforeTheCurrentFirst) {
  EXPECT_EQ(Cut({.max_events = 100}, 6), 6u);
}

}  // namespace
}  // namespace herald
