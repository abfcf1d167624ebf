// Where a Redis server is and how to log in: parsed from a redis:// URL.
//
//   absl::StatusOr<RedisAddress> address = ParseRedisUrl("redis://127.0.0.1:6379/0");
//   address->ToString();  // "127.0.0.1:6379/0", never with the password
#ifndef HERALD_BROKER_ENGINE_REDIS_REDIS_ADDRESS_H_
#define HERALD_BROKER_ENGINE_REDIS_REDIS_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace herald::engine {

// A value type.
struct RedisAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int db = 0;
  // Redis 6 ACL user; empty: the default user.
  std::string user;
  // Empty: no AUTH.
  std::string password;

  // host:port/db, for messages and logs: the password never appears.
  std::string ToString() const;
};

// redis://[[user]:password@]host[:port][/db]. InvalidArgument naming what is wrong.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_REDIS_ADDRESS_H_
