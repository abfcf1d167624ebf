#include "broker/edge/client_address.h"

#include "gtest/gtest.h"

namespace herald::edge {
namespace {

namespace asio = boost::asio;

asio::ip::address Ip(const char* text) { return asio::ip::make_address(text); }

TEST(ClientKeyOf, AnIpv4ClientIsItsWholeAddress) {
  EXPECT_EQ(ClientKeyOf(Ip("192.0.2.1")), ClientKeyOf(Ip("192.0.2.1")));
  EXPECT_NE(ClientKeyOf(Ip("192.0.2.1")), ClientKeyOf(Ip("192.0.2.2")));
}

TEST(ClientKeyOf, AnIpv4MappedAddressIsTheIpv4Client) {
  EXPECT_EQ(ClientKeyOf(Ip("::ffff:192.0.2.1")), ClientKeyOf(Ip("192.0.2.1")));
}

TEST(ClientKeyOf, AnIpv6ClientIsItsSlash64) {
  EXPECT_EQ(ClientKeyOf(Ip("2001:db8:1:2::1")), ClientKeyOf(Ip("2001:db8:1:2:ffff:eeee:dddd:1")));
  EXPECT_NE(ClientKeyOf(Ip("2001:db8:1:2::1")), ClientKeyOf(Ip("2001:db8:1:3::1")));
  // The /64 of ::/64 is not the IPv4 client 0.0.0.0.
  EXPECT_NE(ClientKeyOf(Ip("::1")), ClientKeyOf(Ip("0.0.0.0")));
}

TEST(TrustedProxies, ParsesAddressesAndNetworksOfBothFamilies) {
  absl::StatusOr<TrustedProxies> proxies =
      TrustedProxies::Parse({"10.0.0.0/8", "192.0.2.7", "fd00::/8", "::1", "172.16.0.0/12"});
  ASSERT_TRUE(proxies.ok()) << proxies.status();
  EXPECT_TRUE(proxies->Contains(Ip("10.255.1.2")));
  EXPECT_FALSE(proxies->Contains(Ip("11.0.0.1")));
  EXPECT_TRUE(proxies->Contains(Ip("192.0.2.7")));
  EXPECT_FALSE(proxies->Contains(Ip("192.0.2.8")));
  EXPECT_TRUE(proxies->Contains(Ip("fd12::3")));
  EXPECT_FALSE(proxies->Contains(Ip("fe80::1")));
  EXPECT_TRUE(proxies->Contains(Ip("::1")));
  EXPECT_TRUE(proxies->Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(proxies->Contains(Ip("172.32.0.0")));
  EXPECT_TRUE(proxies->Contains(Ip("::ffff:10.0.0.1")));
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressOrANetwork) {
  for (const char* bad : {"", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "proxy",
                          "10.0.0.0/-1", "10.0.0/8"}) {
    absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse({bad});
    EXPECT_EQ(proxies.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(TrustedProxies::Parse({"0.0.0.0/0"})->Contains(Ip("203.0.113.9")));
}

TEST(TrustedProxiesClientOf, AnUntrustedPeerIsTheClientWhateverItForwards) {
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse({"10.0.0.0/8"});
  ASSERT_TRUE(proxies.ok());
  EXPECT_EQ(proxies->ClientOf(Ip("203.0.113.5"), "198.51.100.1"), Ip("203.0.113.5"));
  EXPECT_EQ(TrustedProxies().ClientOf(Ip("10.0.0.1"), "198.51.100.1"), Ip("10.0.0.1"));
}

TEST(TrustedProxiesClientOf, BehindTrustedProxiesTheClientIsTheRightMostUntrusted) {
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse({"10.0.0.0/8", "fd00::/8"});
  ASSERT_TRUE(proxies.ok());
  const asio::ip::address peer = Ip("10.0.0.1");
  EXPECT_EQ(proxies->ClientOf(peer, "198.51.100.1"), Ip("198.51.100.1"));
  // The left entry may be the client's own lie; only the hop our proxy saw counts.
  EXPECT_EQ(proxies->ClientOf(peer, "1.2.3.4, 198.51.100.1, 10.0.0.9"), Ip("198.51.100.1"));
  EXPECT_EQ(proxies->ClientOf(peer, " 2001:db8::5 ,fd00::1"), Ip("2001:db8::5"));
  EXPECT_EQ(proxies->ClientOf(peer, "::ffff:198.51.100.2"), Ip("198.51.100.2"));
}

TEST(TrustedProxiesClientOf, WithoutAUsableHeaderTheClientIsTheLastTrustedHop) {
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse({"10.0.0.0/8"});
  ASSERT_TRUE(proxies.ok());
  const asio::ip::address peer = Ip("10.0.0.1");
  EXPECT_EQ(proxies->ClientOf(peer, ""), peer);
  EXPECT_EQ(proxies->ClientOf(peer, " , "), peer);
  EXPECT_EQ(proxies->ClientOf(peer, "garbage"), peer);
  // 10.0.0.2 wrote the garbage: it is the nearest address we can name.
  EXPECT_EQ(proxies->ClientOf(peer, "198.51.100.1, nonsense, 10.0.0.2"), Ip("10.0.0.2"));
  // Only proxies: the left-most is who the first of them served.
  EXPECT_EQ(proxies->ClientOf(peer, "10.1.1.1, 10.0.0.2"), Ip("10.1.1.1"));
}

TEST(FormatClient, NamesTheFamilyAndTheAddress) {
  EXPECT_EQ(FormatClient(Ip("198.51.100.1")), "ipv4:198.51.100.1");
  EXPECT_EQ(FormatClient(Ip("2001:db8::5")), "ipv6:2001:db8::5");
}

}  // namespace
}  // namespace herald::edge
