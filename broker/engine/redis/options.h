// What the Redis engine is told: where Redis is, the key prefix, and its timeouts.
//
//   RedisEngineOptions options{.address = *ParseRedisUrl("redis://10.0.0.5:6379/0")};
#ifndef HERALD_BROKER_ENGINE_REDIS_OPTIONS_H_
#define HERALD_BROKER_ENGINE_REDIS_OPTIONS_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "broker/engine/redis/redis_address.h"

namespace herald::engine {

struct RedisEngineOptions {
  RedisAddress address;
  // Every key and the pub/sub channel start with it, so several Herald clusters can share
  // one Redis. No braces: topic names are the keys' cluster hash tags.
  std::string prefix = "herald:";
  // A command unanswered this long closes its connection (and fails what is in flight).
  absl::Duration timeout = absl::Seconds(2);
  // How often every topic is compared with Redis, catching a lost last message.
  absl::Duration check_interval = absl::Seconds(1);
  // Reconnect delays double from the first to the longest.
  absl::Duration reconnect_delay = absl::Milliseconds(100);
  absl::Duration max_reconnect_delay = absl::Seconds(2);
  // True while this node's fan-out is behind (the broker's shards are overloaded). The
  // engine tells the other nodes, whose publishers then pause, and holds back refills
  // until it keeps up again.
  std::function<bool()> fanout_behind;
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_OPTIONS_H_
