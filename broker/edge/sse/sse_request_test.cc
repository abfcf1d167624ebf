#include "broker/edge/sse/sse_request.h"

#include "boost/beast/http/field.hpp"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

namespace http = boost::beast::http;

Request Get(std::string target) { return Request(http::verb::get, target, 11); }

TEST(ParseSseRequestTest, TakesEveryTopicAndNoCursor) {
  absl::StatusOr<SseRequest> parsed = ParseSseRequest({}, Get("/v1/sse?topic=a&topic=b.c"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->topics, (std::vector<std::string>{"a", "b.c"}));
  EXPECT_TRUE(parsed->from.empty());
}

TEST(ParseSseRequestTest, RefusesMissingDuplicateInvalidAndTooManyTopics) {
  EXPECT_EQ(ParseSseRequest({}, Get("/v1/sse")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSseRequest({}, Get("/v1/sse?topic=a&topic=a")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSseRequest({}, Get("/v1/sse?topic=a%20b")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EdgeOptions options;
  options.max_topics_per_subscription = 1;
  EXPECT_EQ(ParseSseRequest(options, Get("/v1/sse?topic=a&topic=b")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseSseRequestTest, LastEventIdHeaderWinsOverTheQueryParameter) {
  Cursor header_cursor;
  header_cursor.Set("a", 1, 7);
  Cursor query_cursor;
  query_cursor.Set("a", 1, 3);
  Request request = Get("/v1/sse?topic=a&last_event_id=" + query_cursor.Encode());
  absl::StatusOr<SseRequest> parsed = ParseSseRequest({}, request);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->from, query_cursor);
  request.set("Last-Event-ID", header_cursor.Encode());
  parsed = ParseSseRequest({}, request);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->from, header_cursor);
}

TEST(ParseSseRequestTest, MalformedCursorIsABadRequestThatSaysWhatToDo) {
  Request request = Get("/v1/sse?topic=a");
  request.set("Last-Event-ID", "garbage");
  absl::StatusOr<SseRequest> parsed = ParseSseRequest({}, request);
  ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("leave it out"), absl::string_view::npos);
}

TEST(ParseSseRequestTest, OriginOffTheAllowListIsRefused) {
  EdgeOptions options;
  options.allowed_origins = {"https://app.example"};
  Request request = Get("/v1/sse?topic=a");
  request.set(http::field::origin, "https://other.example");
  EXPECT_EQ(ParseSseRequest(options, request).status().code(), absl::StatusCode::kPermissionDenied);
  request.set(http::field::origin, "https://app.example");
  absl::StatusOr<SseRequest> parsed = ParseSseRequest(options, request);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->origin, "https://app.example");
}

}  // namespace
}  // namespace herald::edge::sse
