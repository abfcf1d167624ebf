#include "broker/edge/client_limits.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace herald::edge {
namespace {

namespace asio = boost::asio;

asio::ip::address Ip(const char* text) { return asio::ip::make_address(text); }

class ClientLimitsTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(1'000)};
};

TEST_F(ClientLimitsTest, TokenBucketRefillsAtItsRateUpToItsCapacity) {
  TokenBucket bucket(2, 3, clock_.Now());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.TryTake(clock_.Now()));
  EXPECT_FALSE(bucket.TryTake(clock_.Now()));
  EXPECT_EQ(bucket.TimeToNext(clock_.Now()), absl::Milliseconds(500));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(bucket.TryTake(clock_.Now()));
  EXPECT_FALSE(bucket.IsFull(clock_.Now()));
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(bucket.IsFull(clock_.Now()));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.TryTake(clock_.Now()));
  EXPECT_FALSE(bucket.TryTake(clock_.Now()));
}

TEST_F(ClientLimitsTest, RefusesAClientPastItsOpenConnectionsUntilOneCloses) {
  ClientLimits limits({.max_connections = 2}, clock_);
  ClientAdmission first = limits.Admit(Ip("192.0.2.1"));
  ClientAdmission second = limits.Admit(Ip("192.0.2.1"));
  ASSERT_TRUE(first.refusal.ok());
  ASSERT_TRUE(second.refusal.ok());
  ClientAdmission third = limits.Admit(Ip("192.0.2.1"));
  EXPECT_EQ(third.refusal.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(third.by_rate);
  EXPECT_GT(third.retry_after, absl::ZeroDuration());
  // Another client is not affected.
  EXPECT_TRUE(limits.Admit(Ip("192.0.2.2")).refusal.ok());
  first = {};
  EXPECT_TRUE(limits.Admit(Ip("192.0.2.1")).refusal.ok());
}

TEST_F(ClientLimitsTest, AnIpv6ClientIsLimitedAcrossItsSlash64) {
  ClientLimits limits({.max_connections = 1}, clock_);
  ClientAdmission held = limits.Admit(Ip("2001:db8:0:1::1"));
  ASSERT_TRUE(held.refusal.ok());
  EXPECT_FALSE(limits.Admit(Ip("2001:db8:0:1::2")).refusal.ok());
  EXPECT_TRUE(limits.Admit(Ip("2001:db8:0:2::1")).refusal.ok());
}

TEST_F(ClientLimitsTest, RefusesNewConnectionsPastTheRateAndSaysWhenToRetry) {
  ClientLimits limits({.new_per_second = 10, .burst = 2}, clock_);
  std::vector<ClientSlot> slots;
  for (int i = 0; i < 2; ++i) {
    ClientAdmission admitted = limits.Admit(Ip("192.0.2.1"));
    ASSERT_TRUE(admitted.refusal.ok());
    slots.push_back(std::move(admitted.slot));
  }
  // Closing does not give the tokens back.
  slots.clear();
  ClientAdmission refused = limits.Admit(Ip("192.0.2.1"));
  EXPECT_EQ(refused.refusal.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(refused.by_rate);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(100));
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(limits.Admit(Ip("192.0.2.1")).refusal.ok());
}

TEST_F(ClientLimitsTest, ForgetsAClientOnceItHasNoConnectionAndAFullBucket) {
  ClientLimits limits({.max_connections = 5, .new_per_second = 1, .burst = 1}, clock_);
  {
    ClientAdmission admitted = limits.Admit(Ip("192.0.2.1"));
    ASSERT_TRUE(admitted.refusal.ok());
    EXPECT_EQ(limits.TrackedClients(), 1u);
  }
  // Closed, but its bucket is empty: forgetting it now would forgive the rate.
  EXPECT_EQ(limits.TrackedClients(), 1u);
  EXPECT_FALSE(limits.Admit(Ip("192.0.2.1")).refusal.ok());
  // Once refilled it is swept as admissions of other clients pass through its part.
  clock_.Advance(absl::Seconds(2));
  for (int i = 0; i < 256; ++i) {
    const std::string other = "198.51.100." + std::to_string(i);
    EXPECT_TRUE(limits.Admit(Ip(other.c_str())).refusal.ok());
  }
  EXPECT_EQ(limits.TrackedClients(), 256u);
}

TEST_F(ClientLimitsTest, AClientWithAFullBucketIsForgottenWhenItsLastConnectionCloses) {
  ClientLimits limits({.max_connections = 5}, clock_);
  ClientAdmission a = limits.Admit(Ip("192.0.2.1"));
  ClientAdmission b = limits.Admit(Ip("192.0.2.1"));
  EXPECT_EQ(limits.TrackedClients(), 1u);
  a = {};
  EXPECT_EQ(limits.TrackedClients(), 1u);
  b = {};
  EXPECT_EQ(limits.TrackedClients(), 0u);
}

TEST_F(ClientLimitsTest, LimitsOfNothingTrackNobody) {
  ClientLimits limits({}, clock_);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limits.Admit(Ip("192.0.2.1")).refusal.ok());
  EXPECT_EQ(limits.TrackedClients(), 0u);
}

}  // namespace
}  // namespace herald::edge
