#include "broker/edge/client_address.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "broker/core/string_view.h"

namespace herald::edge {

namespace asio = boost::asio;

namespace {

// Both families in one form: IPv4 as IPv4-mapped IPv6.
asio::ip::address_v6 AsV6(const asio::ip::address& address) {
  if (address.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4());
  return address.to_v6();
}

uint64_t BigEndian64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

// The address `text` names, or nullopt; IPv4-mapped IPv6 is read as the IPv4 address.
std::optional<asio::ip::address> ParseAddress(std::string_view text) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace

ClientKey ClientKeyOf(const asio::ip::address& address) {
  const asio::ip::address_v6 v6 = AsV6(address);
  const asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  const uint64_t high = BigEndian64(bytes.data());
  // An IPv6 client is its /64; an IPv4 one (mapped) its whole address.
  return {.high = high, .low = v6.is_v4_mapped() ? BigEndian64(bytes.data() + 8) : 0};
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies proxies;
  for (const std::string& cidr : cidrs) {
    const std::string_view text = cidr;
    const size_t slash = text.find('/');
    const std::optional<asio::ip::address> address = ParseAddress(text.substr(0, slash));
    const int max_bits = address && address->is_v4() ? 32 : 128;
    int bits = max_bits;
    if (!address || (slash != std::string_view::npos &&
                     (!absl::SimpleAtoi(AbslView(text.substr(slash + 1)), &bits) || bits < 0 ||
                      bits > max_bits))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trusted proxy '", cidr,
          "' is not an address or a network; use e.g. 10.0.0.1, 10.0.0.0/8 or fd00::/8"));
    }
    proxies.networks_.push_back(
        {.bytes = AsV6(*address).to_bytes(), .prefix_bits = address->is_v4() ? bits + 96 : bits});
  }
  return proxies;
}

bool TrustedProxies::Contains(const asio::ip::address& address) const {
  const asio::ip::address_v6::bytes_type bytes = AsV6(address).to_bytes();
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& network) {
    const int whole = network.prefix_bits / 8;
    if (!std::equal(bytes.begin(), bytes.begin() + whole, network.bytes.begin())) return false;
    const int rest = network.prefix_bits % 8;
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (bytes[whole] & mask) == (network.bytes[whole] & mask);
  });
}

asio::ip::address TrustedProxies::ClientOf(const asio::ip::address& peer,
                                           std::string_view forwarded_for) const {
  if (!Contains(peer)) return peer;
  const std::vector<absl::string_view> hops =
      absl::StrSplit(AbslView(forwarded_for), ',', absl::SkipWhitespace());
  asio::ip::address client = peer;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    const std::optional<asio::ip::address> address =
        ParseAddress(StdView(absl::StripAsciiWhitespace(*hop)));
    if (!address) break;
    client = *address;
    if (!Contains(client)) break;
  }
  return client;
}

std::string FormatClient(const asio::ip::address& address) {
  return absl::StrCat("ipv", address.is_v4() ? "4" : "6", ":", address.to_string());
}

}  // namespace herald::edge
