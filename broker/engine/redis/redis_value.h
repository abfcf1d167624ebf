// A Redis reply, copied out of hiredis's reply tree so it outlives the callback that got it.
//
//   RedisValue reply = RedisValue::From(*static_cast<redisReply*>(r));
//   if (reply.is_error()) return ...;
//   int64_t n = reply.integer;
#ifndef HERALD_BROKER_ENGINE_REDIS_REDIS_VALUE_H_
#define HERALD_BROKER_ENGINE_REDIS_REDIS_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

struct redisReply;

namespace herald::engine {

// A value type.
struct RedisValue {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };

  Type type = Type::kNil;
  // kString, kStatus, kError.
  std::string str;
  int64_t integer = 0;
  std::vector<RedisValue> elements;

  static RedisValue From(const redisReply& reply);

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
  // A string or an integer as a number; 0 for anything else or a string that is not one.
  int64_t AsInt() const;
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_REDIS_VALUE_H_
