// Who a connection's client is: the key per-client limits count under (an IPv4 address, an
// IPv6 /64), and the address behind trusted proxies, read from X-Forwarded-For. No I/O.
//
//   absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse({"10.0.0.0/8"});
//   asio::ip::address client = proxies->ClientOf(peer, request[http::field::x_forwarded_for]);
//   ClientKey key = ClientKeyOf(client);
#ifndef HERALD_BROKER_EDGE_CLIENT_ADDRESS_H_
#define HERALD_BROKER_EDGE_CLIENT_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/ip/address.hpp"

namespace herald::edge {

// What per-client limits count under. One IPv4 address is one client; an IPv6 client is its
// /64, the smallest block a network hands a subscriber, so a host cannot escape its limit by
// picking new addresses inside it. IPv4-mapped IPv6 addresses count as their IPv4 address.
struct ClientKey {
  uint64_t high = 0;
  uint64_t low = 0;

  friend bool operator==(const ClientKey&, const ClientKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const ClientKey& key) {
    return H::combine(std::move(h), key.high, key.low);
  }
};

ClientKey ClientKeyOf(const boost::asio::ip::address& address);

// A list of networks (CIDRs) whose connections are proxies that may say, in X-Forwarded-For,
// whom they forward. Immutable once parsed; thread-safe.
class TrustedProxies {
 public:
  // Each entry an address ("10.0.0.1", "::1") or a network ("10.0.0.0/8", "fd00::/8").
  // InvalidArgument naming the first entry that is neither.
  static absl::StatusOr<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return networks_.empty(); }
  bool Contains(const boost::asio::ip::address& address) const;

  // The client a connection from `peer` speaks for. A peer that is not trusted is the client
  // itself. Behind a trusted peer, the client is the right-most address of
  // `forwarded_for` (the X-Forwarded-For values, comma-separated, oldest hop first) that is
  // not a trusted proxy: what lies left of it was written by a host we cannot vouch for.
  // An entry that is not an address ends the walk at the trusted hop that wrote it; when
  // every entry is trusted, the left-most is the client.
  boost::asio::ip::address ClientOf(const boost::asio::ip::address& peer,
                                    std::string_view forwarded_for) const;

 private:
  struct Network {
    // IPv4 networks as IPv4-mapped IPv6, their prefix length raised by 96.
    boost::asio::ip::address_v6::bytes_type bytes;
    int prefix_bits;
  };
  std::vector<Network> networks_;
};

// "ipv4:10.1.2.3" or "ipv6:2001:db8::1", as FormatPeer names peers but without a port: a
// client known from X-Forwarded-For has none.
std::string FormatClient(const boost::asio::ip::address& address);

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CLIENT_ADDRESS_H_
