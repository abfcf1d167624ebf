#include "tests/load/payload.h"

#include "gtest/gtest.h"

namespace herald::load {
namespace {

TEST(PayloadTest, PaddedPayloadCarriesItsSequenceAndSendTime) {
  const std::string data = MakePayload(42, 64);
  EXPECT_EQ(data.size(), 64u);
  uint64_t seq = 0, sent = 0;
  ASSERT_TRUE(ParsePayload(data, seq, sent));
  EXPECT_EQ(seq, 42u);
  EXPECT_GT(sent, 0u);
}

TEST(PayloadTest, JsonPayloadHasTheSizeAskedForAndCarriesItsSequence) {
  for (size_t size : {128, 512, 4096}) {
    const std::string data = MakeJsonPayload(7, size);
    EXPECT_EQ(data.size(), size);
    EXPECT_TRUE(data.starts_with("{\"seq\":7,\"sent_ns\":")) << data;
    EXPECT_TRUE(data.ends_with("\"}")) << data;
    uint64_t seq = 0, sent = 0;
    ASSERT_TRUE(ParsePayload(data, seq, sent)) << data;
    EXPECT_EQ(seq, 7u);
    EXPECT_GT(sent, 0u);
  }
}

TEST(PayloadTest, JsonPayloadTooSmallForItsFieldsKeepsTheStamp) {
  const std::string data = MakeJsonPayload(3, 8);
  EXPECT_TRUE(data.ends_with("}")) << data;
  uint64_t seq = 0, sent = 0;
  EXPECT_TRUE(ParsePayload(data, seq, sent));
  EXPECT_EQ(seq, 3u);
}

TEST(PayloadTest, RejectsDataNotMadeHere) {
  uint64_t seq = 0, sent = 0;
  EXPECT_FALSE(ParsePayload("hello", seq, sent));
  EXPECT_FALSE(ParsePayload("12", seq, sent));
  EXPECT_FALSE(ParsePayload("{\"seq\":1,\"other\":2}", seq, sent));
}

}  // namespace
}  // namespace herald::load
