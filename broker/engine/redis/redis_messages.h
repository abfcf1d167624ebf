// What herald.lua's functions and pub/sub messages say, parsed. Their formats are in
// herald.lua's header; this is the only C++ that reads them.
//
//   absl::StatusOr<StoredEvent> e = ParseEventMessage("E|7|42|1700000000000|1|orders|0|x");
//   absl::StatusOr<TopicState> s = ParseTopicState(topic, reply);
#ifndef HERALD_BROKER_ENGINE_REDIS_REDIS_MESSAGES_H_
#define HERALD_BROKER_ENGINE_REDIS_REDIS_MESSAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/event.h"
#include "broker/core/topic.h"
#include "broker/engine/redis/redis_value.h"

namespace herald::engine {

// An event as Redis stored it, with the oldest offset the topic retains after it.
struct StoredEvent {
  EventPtr event;
  uint64_t first_retained = 1;
};

// A topic as herald_v2_read returns it: its state and some of its retained events.
struct TopicState {
  // False when Redis does not have the topic; only `marker` is set then.
  bool exists = true;
  // Redis's data-loss marker (see herald.lua) when it was read.
  std::string marker;
  TopicConfig config;
  uint32_t epoch = 0;
  uint64_t next_offset = 1;
  uint64_t first_retained = 1;
  std::vector<EventPtr> events;
};

// The publish message "E|epoch|offset|ms|first|topic|type length|type+data".
// InvalidArgument for anything else.
absl::StatusOr<StoredEvent> ParseEventMessage(std::string_view message);

// herald_v2_publish's reply {epoch, offset, ms, duplicate, first, type, data}: the stored
// event (type and data from the reply for a duplicate, else from `request`).
absl::StatusOr<StoredEvent> ParsePublishReply(const RedisValue& reply, std::string topic,
                                              std::string type, std::string data);

// herald_v2_read's reply.
absl::StatusOr<TopicState> ParseTopicState(std::string topic, const RedisValue& reply);

// The Redis error of a function call as a status: NotFound and AlreadyExists for the
// functions' NOTFOUND and EXISTS, Internal for anything else.
absl::Status FunctionError(const RedisValue& reply);

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_REDIS_MESSAGES_H_
