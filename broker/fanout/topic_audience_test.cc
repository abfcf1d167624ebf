#include "broker/fanout/topic_audience.h"

#include "gtest/gtest.h"

namespace herald::fanout {
namespace {

TEST(TopicAudience, RefusesPastTheLimitUntilSomeoneLeaves) {
  TopicAudience audience;
  EXPECT_TRUE(audience.Join("room", 2).ok());
  EXPECT_TRUE(audience.Join("room", 2).ok());
  absl::Status full = audience.Join("room", 2);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("'room'"), absl::string_view::npos);
  // Other topics are counted apart.
  EXPECT_TRUE(audience.Join("hall", 1).ok());
  audience.Leave("room");
  EXPECT_TRUE(audience.Join("room", 2).ok());
  EXPECT_EQ(audience.Count("room"), 2u);
}

TEST(TopicAudience, CountsWithoutALimitAndForgetsAnEmptyTopic) {
  TopicAudience audience;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(audience.Join("open", 0).ok());
  EXPECT_EQ(audience.Count("open"), 100u);
  // A limit set later holds new subscribers to what is already there.
  EXPECT_FALSE(audience.Join("open", 100).ok());
  for (int i = 0; i < 100; ++i) audience.Leave("open");
  EXPECT_EQ(audience.Count("open"), 0u);
  EXPECT_TRUE(audience.Join("open", 1).ok());
}

}  // namespace
}  // namespace herald::fanout
