#include "broker/engine/redis/redis_address.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"

namespace herald::engine {
namespace {

absl::Status BadUrl(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("Redis URL '", AbslView(url), "': ", AbslView(why),
                   "; expected redis://[:password@]host[:port][/db]"));
}

}  // namespace

std::string RedisAddress::ToString() const { return absl::StrCat(host, ":", port, "/", db); }

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!absl::StartsWith(AbslView(url), AbslView(kScheme))) return BadUrl(url, "not redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = credentials.find(':');
    if (colon == std::string_view::npos) return BadUrl(url, "credentials without ':'");
    address.user = std::string(credentials.substr(0, colon));
    address.password = std::string(credentials.substr(colon + 1));
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(AbslView(db), &address.db) || address.db < 0)) {
      return BadUrl(url, "the database is not a number");
    }
    rest = rest.substr(0, slash);
  }
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    int port = 0;
    if (!absl::SimpleAtoi(AbslView(rest.substr(colon + 1)), &port) || port < 1 || port > 65535) {
      return BadUrl(url, "the port is not in 1..65535");
    }
    address.port = static_cast<uint16_t>(port);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return BadUrl(url, "no host");
  address.host = std::string(rest);
  return address;
}

}  // namespace herald::engine
