#include "broker/control/control_stats.h"

#include "gtest/gtest.h"

namespace herald::control {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

TEST(ControlStatsTest, RateAveragesOverTheLastMinute) {
  ControlStats stats(kStart);
  for (int i = 0; i < 120; ++i) stats.RecordPublish(kStart + absl::Seconds(i / 2));
  // 120 events over the first 60 s.
  EXPECT_DOUBLE_EQ(stats.PublishRate(kStart + absl::Seconds(59)), 2.0);
  EXPECT_EQ(stats.published(), 120u);
  // Ten minutes later the old buckets no longer count.
  EXPECT_DOUBLE_EQ(stats.PublishRate(kStart + absl::Minutes(10)), 0.0);
}

TEST(ControlStatsTest, YoungNodeAveragesOverItsUptime) {
  ControlStats stats(kStart);
  for (int i = 0; i < 10; ++i) stats.RecordPublish(kStart + absl::Seconds(1));
  // Seconds 0 to 4 are five buckets.
  EXPECT_DOUBLE_EQ(stats.PublishRate(kStart + absl::Seconds(4)), 2.0);
}

TEST(ControlStatsTest, CountsUptime) {
  ControlStats stats(kStart);
  EXPECT_EQ(stats.Uptime(kStart + absl::Seconds(3)), absl::Seconds(3));
}

}  // namespace
}  // namespace herald::control
