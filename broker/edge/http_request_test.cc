#include "broker/edge/http_request.h"

#include "boost/asio/error.hpp"
#include "boost/beast/http/error.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace herald::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParseTargetTest, SplitsPathAndDecodesRepeatedParameters) {
  const RequestTarget target = ParseTarget("/v1/sse?topic=a&topic=b%2Fc&last_event_id=x+y");
  EXPECT_EQ(target.path, "/v1/sse");
  EXPECT_THAT(target.All("topic"), ElementsAre("a", "b/c"));
  EXPECT_EQ(target.First("last_event_id"), "x y");
  EXPECT_EQ(target.First("missing"), std::nullopt);
}

TEST(ParseTargetTest, KeepsEmptyValuesAndSkipsEmptyPairs) {
  const RequestTarget target = ParseTarget("/p?a=&&b&c=1#frag");
  EXPECT_THAT(target.query, ElementsAre(Pair("a", ""), Pair("b", ""), Pair("c", "1")));
}

TEST(ParseTargetTest, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(ParseTarget("/p?t=%zz%4").First("t"), "%zz%4");
  EXPECT_EQ(PercentDecode("a%41%", /*plus_is_space=*/false), "aA%");
}

TEST(ParseTargetTest, DoesNotTreatPlusAsSpaceInThePath) {
  EXPECT_EQ(ParseTarget("/a+b%20c").path, "/a+b c");
}

TEST(IsOriginAllowedTest, EmptyListOrStarAllowsEveryOrigin) {
  EXPECT_TRUE(IsOriginAllowed({}, "https://evil.example"));
  EXPECT_TRUE(IsOriginAllowed({"*"}, "https://evil.example"));
}

TEST(IsOriginAllowedTest, ListAllowsOnlyExactOrigins) {
  const std::vector<std::string> allowed = {"https://app.example", "http://localhost:3000"};
  EXPECT_TRUE(IsOriginAllowed(allowed, "https://app.example"));
  EXPECT_TRUE(IsOriginAllowed(allowed, "http://localhost:3000"));
  EXPECT_FALSE(IsOriginAllowed(allowed, "https://app.example.evil"));
  EXPECT_FALSE(IsOriginAllowed(allowed, "http://localhost:3001"));
}

TEST(IsValidWebSocketKeyTest, AcceptsBase64OfSixteenBytes) {
  EXPECT_TRUE(IsValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  EXPECT_TRUE(IsValidWebSocketKey("AAAAAAAAAAAAAAAAAAAAAA=="));
}

TEST(IsValidWebSocketKeyTest, RejectsOtherLengthsAndAlphabets) {
  EXPECT_FALSE(IsValidWebSocketKey(""));
  EXPECT_FALSE(IsValidWebSocketKey("dGhlIHNhbXBsZQ=="));          // 10 bytes
  EXPECT_FALSE(IsValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ"));    // no padding
  EXPECT_FALSE(IsValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ=A"));  // bad padding
  EXPECT_FALSE(IsValidWebSocketKey("dGhlIHNhbXBsZSBub25jZ-=="));  // URL alphabet
  EXPECT_FALSE(IsValidWebSocketKey("dGhlIHNhbXBsZSBub25jZR=="));  // stray low bits
}

TEST(IsExpectedCloseTest, NormalEndingsAreExpectedAndOthersAreNot) {
  EXPECT_TRUE(IsExpectedClose(boost::asio::error::eof));
  EXPECT_TRUE(IsExpectedClose(boost::asio::error::operation_aborted));
  EXPECT_TRUE(IsExpectedClose(boost::beast::http::error::end_of_stream));
  EXPECT_FALSE(IsExpectedClose(boost::asio::error::no_buffer_space));
  EXPECT_FALSE(IsExpectedClose(boost::asio::error::timed_out));
}

}  // namespace
}  // namespace herald::edge
