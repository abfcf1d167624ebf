#include "broker/core/topic.h"

#include <string>

#include "gtest/gtest.h"

namespace herald {
namespace {

TEST(ValidateTopicNameTest, AcceptsEveryAllowedCharacter) {
  EXPECT_TRUE(ValidateTopicName("Az09._:/-").ok());
  EXPECT_TRUE(ValidateTopicName(std::string(200, 'x')).ok());
}

TEST(ValidateTopicNameTest, RejectsEmptyLongAndForeignCharacters) {
  EXPECT_EQ(ValidateTopicName("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicName(std::string(201, 'x')).code(), absl::StatusCode::kInvalidArgument);
  for (const char* name : {"a b", "a\nb", "caf\xc3\xa9", "a?b", "a&b", "a#b"}) {
    absl::Status status = ValidateTopicName(name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(status.message().find("position"), std::string::npos) << status;
  }
}

TEST(ValidateEventTypeTest, AcceptsSingleLineUtf8) {
  EXPECT_TRUE(ValidateEventType("").ok());
  EXPECT_TRUE(ValidateEventType("price.update").ok());
  EXPECT_TRUE(ValidateEventType("caf\xc3\xa9").ok());
}

TEST(ValidateEventTypeTest, RejectsLineBreaksNulBadUtf8AndLongNames) {
  EXPECT_FALSE(ValidateEventType("a\nb").ok());
  EXPECT_FALSE(ValidateEventType("a\rb").ok());
  EXPECT_FALSE(ValidateEventType(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateEventType("\xff").ok());
  EXPECT_FALSE(ValidateEventType(std::string(201, 'e')).ok());
}

TEST(ValidateTopicConfigTest, RejectsUnboundedOrNegativeRetention) {
  TopicConfig config{.name = "t"};
  EXPECT_TRUE(ValidateTopicConfig(config).ok());
  config.retention.max_events = 0;
  EXPECT_EQ(ValidateTopicConfig(config).code(), absl::StatusCode::kInvalidArgument);
  config.retention.max_events = kMaxRetainedEvents + 1;
  EXPECT_EQ(ValidateTopicConfig(config).code(), absl::StatusCode::kInvalidArgument);
  config.retention.max_events = 10;
  config.retention.max_age = absl::Seconds(-1);
  EXPECT_EQ(ValidateTopicConfig(config).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald
