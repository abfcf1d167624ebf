#include "broker/engine/redis/redis_messages.h"

#include "gtest/gtest.h"

namespace herald::engine {
namespace {

RedisValue Str(std::string s) { return {.type = RedisValue::Type::kString, .str = std::move(s)}; }
RedisValue Int(int64_t n) { return {.type = RedisValue::Type::kInteger, .integer = n}; }
RedisValue Array(std::vector<RedisValue> v) {
  return {.type = RedisValue::Type::kArray, .elements = std::move(v)};
}

TEST(ParseEventMessageTest, ReadsEveryFieldAndKeepsBarsInTypeAndData) {
  absl::StatusOr<StoredEvent> e = ParseEventMessage("E|7|42|1700000000123|3|a.b|4|t|pex|y|z");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->event->epoch, 7u);
  EXPECT_EQ(e->event->offset, 42u);
  EXPECT_EQ(e->event->publish_time, absl::FromUnixMillis(1700000000123));
  EXPECT_EQ(e->first_retained, 3u);
  EXPECT_EQ(e->event->topic, "a.b");
  EXPECT_EQ(e->event->type, "t|pe");
  EXPECT_EQ(e->event->data, "x|y|z");
}

TEST(ParseEventMessageTest, RejectsTruncatedAndForeignMessages) {
  for (const char* m :
       {"", "E|1|2|3|4|t|9|short", "X|1|2|3|4|t|0|", "E|1|2|3|4|t", "E|a|2|3|4|t|0|"}) {
    EXPECT_FALSE(ParseEventMessage(m).ok()) << m;
  }
}

TEST(ParsePublishReplyTest, TakesTypeAndDataFromTheReplyOnlyForADuplicate) {
  absl::StatusOr<StoredEvent> fresh = ParsePublishReply(
      Array({Int(5), Int(9), Int(1000), Int(0), Int(1), Str(""), Str("")}), "t", "ty", "new");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->event->data, "new");
  absl::StatusOr<StoredEvent> dup = ParsePublishReply(
      Array({Int(5), Int(3), Int(900), Int(1), Int(1), Str("old-ty"), Str("old")}), "t", "ty",
      "new");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->event->offset, 3u);
  EXPECT_EQ(dup->event->type, "old-ty");
  EXPECT_EQ(dup->event->data, "old");
}

TEST(ParseTopicStateTest, ReadsStateEventsAndMarkerAndAMissingTopic) {
  absl::StatusOr<TopicState> missing = ParseTopicState("t", Array({Str("m1")}));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->exists);
  EXPECT_EQ(missing->marker, "m1");
  absl::StatusOr<TopicState> s = ParseTopicState(
      "t", Array({Int(11), Int(4), Int(2), Int(100), Int(0), Int(60000), Str("1"), Int(6),
                  Str("m2"), Int(25), Array({Int(2), Int(1000), Str(""), Str("b")}),
                  Array({Int(3), Int(1001), Str("x"), Str("c")})}));
  ASSERT_TRUE(s.ok()) << s.status();
  const TopicState& state = *s;
  EXPECT_TRUE(state.exists);
  EXPECT_EQ(state.marker, "m2");
  EXPECT_EQ(state.epoch, 11u);
  EXPECT_EQ(state.next_offset, 4u);
  EXPECT_EQ(state.first_retained, 2u);
  EXPECT_EQ(state.config.retention.max_events, 100u);
  EXPECT_EQ(state.config.retention.max_age, absl::Minutes(1));
  EXPECT_TRUE(state.config.allow_browser_publish);
  EXPECT_EQ(state.config.max_subscribers, 25u);
  ASSERT_EQ(state.events.size(), 2u);
  EXPECT_EQ(state.events[1]->offset, 3u);
  EXPECT_EQ(state.events[1]->type, "x");
  EXPECT_EQ(state.events[1]->epoch, 11u);
}

TEST(FunctionErrorTest, MapsTheFunctionsErrors) {
  EXPECT_TRUE(absl::IsNotFound(FunctionError(Str("NOTFOUND topic does not exist"))));
  EXPECT_TRUE(absl::IsAlreadyExists(FunctionError(Str("EXISTS topic exists"))));
  EXPECT_TRUE(absl::IsInternal(FunctionError(Str("ERR something"))));
}

}  // namespace
}  // namespace herald::engine
