#include "broker/engine/redis/redis_address.h"

#include "gtest/gtest.h"

namespace herald::engine {
namespace {

TEST(ParseRedisUrlTest, ReadsHostPortDatabaseAndCredentials) {
  absl::StatusOr<RedisAddress> a = ParseRedisUrl("redis://app:s3cret@10.0.0.5:6380/2");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 2);
  EXPECT_EQ(a->user, "app");
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->ToString(), "10.0.0.5:6380/2");
}

TEST(ParseRedisUrlTest, DefaultsPortAndDatabase) {
  absl::StatusOr<RedisAddress> a = ParseRedisUrl("redis://:pw@cache");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "cache");
  EXPECT_EQ(a->port, 6379);
  EXPECT_EQ(a->db, 0);
  EXPECT_EQ(a->user, "");
  EXPECT_EQ(a->password, "pw");
}

TEST(ParseRedisUrlTest, RejectsWhatIsNotARedisUrl) {
  for (const char* url : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000",
                          "redis://h:1/x", "redis://user@h"}) {
    absl::StatusOr<RedisAddress> a = ParseRedisUrl(url);
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

}  // namespace
}  // namespace herald::engine
