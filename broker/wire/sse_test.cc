#include "broker/wire/sse.h"

#include "gtest/gtest.h"

namespace herald::wire {
namespace {

TEST(EncodeSseFieldsTest, WritesEventNameAndOneDataLinePerPayloadLine) {
  EXPECT_EQ(EncodeSseFields("price", "a\nb"), "event: price\ndata: a\ndata: b\n\n");
  EXPECT_EQ(EncodeSseFields("", "x"), "data: x\n\n");
}

TEST(EncodeSseFieldsTest, EveryLineBreakKindEndsALineAndNoneLeaksIntoAField) {
  EXPECT_EQ(EncodeSseFields("", "a\r\nb\rc\nd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(EncodeSseFields("", "end\n"), "data: end\ndata: \n\n");
  EXPECT_EQ(EncodeSseFields("", ""), "data: \n\n");
  EXPECT_EQ(EncodeSseFields("", "\r\n"), "data: \ndata: \n\n");
}

TEST(EncodeSseFieldsTest, BinaryPayloadsAreBase64OnOneLine) {
  EXPECT_EQ(EncodeSseFields("", std::string("\xff\x00\n", 3)), "data: /wAK\n\n");
}

TEST(EncodeSseFieldsTest, Utf8PassesThroughUnchanged) {
  EXPECT_EQ(EncodeSseFields("", "caf\xc3\xa9"), "data: caf\xc3\xa9\n\n");
}

TEST(SseLinesTest, IdCommentAndRetry) {
  EXPECT_EQ(EncodeSseId("abc"), "id: abc\n");
  EXPECT_EQ(EncodeSseComment("hb"), ": hb\n\n");
  EXPECT_EQ(EncodeSseRetry(3000), "retry: 3000\n");
}

}  // namespace
}  // namespace herald::wire
