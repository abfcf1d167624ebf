#include "broker/control/topic_service.h"

#include "gtest/gtest.h"

namespace herald::control {
namespace {

TEST(TopicServiceTest, PageTokensRoundTripAndRejectForgeries) {
  const std::string token = EncodePageToken("orders/eu.1");
  absl::StatusOr<std::string> name = DecodePageToken(token);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "orders/eu.1");

  absl::Status bad = DecodePageToken("!!not base64!!").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("page_token"), std::string::npos) << bad;
  EXPECT_FALSE(DecodePageToken(EncodePageToken("bad name with spaces")).ok());
}

TEST(TopicServiceTest, TopicConvertsBothWays) {
  v1::Topic topic;
  topic.set_name("orders");
  topic.mutable_retention()->set_max_bytes(4096);
  topic.mutable_retention()->mutable_max_age()->set_seconds(90);
  topic.mutable_retention()->mutable_max_age()->set_nanos(500'000'000);
  topic.set_allow_browser_publish(true);

  absl::StatusOr<TopicConfig> config = FromProto(topic, "topic");
  ASSERT_TRUE(config.ok()) << config.status();
  // Zero max_events is proto3's "unset": the default bound applies.
  EXPECT_EQ(config->retention.max_events, RetentionPolicy{}.max_events);
  EXPECT_EQ(config->retention.max_bytes, 4096u);
  EXPECT_EQ(config->retention.max_age, absl::Milliseconds(90'500));
  EXPECT_TRUE(config->allow_browser_publish);

  v1::Topic back = ToProto({.config = *config, .epoch = 3, .last_offset = 9});
  EXPECT_EQ(back.retention().max_age().seconds(), 90);
  EXPECT_EQ(back.retention().max_age().nanos(), 500'000'000);
  EXPECT_EQ(back.epoch(), 3u);
  EXPECT_EQ(back.last_offset(), 9u);
}

TEST(TopicServiceTest, NegativeMaxAgeNamesTheField) {
  v1::Topic topic;
  topic.set_name("orders");
  topic.mutable_retention()->mutable_max_age()->set_seconds(-1);
  absl::Status status = FromProto(topic, "topic").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("topic.retention.max_age"), std::string::npos) << status;
}

}  // namespace
}  // namespace herald::control
