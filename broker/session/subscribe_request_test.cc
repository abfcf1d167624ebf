#include "broker/session/subscribe_request.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace herald::session {
namespace {

using ::testing::HasSubstr;

TEST(ParseSubscribeRequestTest, AcceptsTopicsAndACursor) {
  const std::string cursor = EncodeTopicCursor("a", 1, 5);
  absl::StatusOr<SubscribeRequest> request = ParseSubscribeRequest({"a", "b"}, cursor, {});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->topics, (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(request->from.Find("a"), nullptr);
  EXPECT_EQ(request->from.Find("b"), nullptr);
  EXPECT_TRUE(ParseSubscribeRequest({"a"}, "", {})->from.empty());
}

TEST(ParseSubscribeRequestTest, RefusesWithAMessageSayingWhatToChange) {
  struct Case {
    std::vector<std::string> topics;
    std::string from;
    std::string message;
  };
  const Case cases[] = {
      {{}, "", "name at least one topic"},
      {{"a", "b", "c"}, "", "at most 2 topics (got 3)"},
      {{"a", "a"}, "", "topic 'a' is named twice"},
      {{"bad name"}, "", "topic name 'bad name' has a character"},
      {{"a"}, "not-a-cursor", "bad cursor in Last-Event-ID"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<SubscribeRequest> request =
        ParseSubscribeRequest(c.topics, c.from, {.cursor_field = "Last-Event-ID", .max_topics = 2});
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(std::string(request.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace herald::session
