#include "broker/engine/redis/redis_value.h"

#include "absl/strings/numbers.h"
#include "hiredis/hiredis.h"

namespace herald::engine {

RedisValue RedisValue::From(const redisReply& reply) {
  RedisValue value;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      value.type = Type::kString;
      value.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = Type::kStatus;
      value.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      value.type = Type::kError;
      value.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      value.type = Type::kInteger;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Type::kArray;
      value.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        value.elements.push_back(From(*reply.element[i]));
      }
      break;
    default:
      break;
  }
  return value;
}

int64_t RedisValue::AsInt() const {
  if (type == Type::kInteger) return integer;
  int64_t n = 0;
  if (type == Type::kString && absl::SimpleAtoi(str, &n)) return n;
  return 0;
}

}  // namespace herald::engine
