#include "broker/engine/redis/redis_messages.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"

namespace herald::engine {
namespace {

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed ", AbslView(what),
                                                 " from Redis; is another program writing "
                                                 "Herald's keys, or a different Herald version?"));
}

// Splits off the text up to the next '|'.
bool NextField(std::string_view& rest, std::string_view& field) {
  const size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  field = rest.substr(0, bar);
  rest = rest.substr(bar + 1);
  return true;
}

bool NextNumber(std::string_view& rest, uint64_t& value) {
  std::string_view field;
  return NextField(rest, field) && absl::SimpleAtoi(AbslView(field), &value);
}

EventPtr MakeEvent(std::string topic, uint32_t epoch, uint64_t offset, int64_t ms, std::string type,
                   std::string data) {
  auto event = std::make_shared<Event>();
  event->topic = std::move(topic);
  event->epoch = epoch;
  event->offset = offset;
  event->type = std::move(type);
  event->data = std::move(data);
  event->publish_time = absl::FromUnixMillis(ms);
  return event;
}

}  // namespace

absl::StatusOr<StoredEvent> ParseEventMessage(std::string_view message) {
  std::string_view rest = message;
  std::string_view kind, topic;
  uint64_t epoch = 0, offset = 0, ms = 0, first = 0, type_length = 0;
  if (!NextField(rest, kind) || kind != "E" || !NextNumber(rest, epoch) ||
      !NextNumber(rest, offset) || !NextNumber(rest, ms) || !NextNumber(rest, first) ||
      !NextField(rest, topic) || !NextNumber(rest, type_length) || type_length > rest.size()) {
    return Malformed("event message");
  }
  return StoredEvent{
      MakeEvent(std::string(topic), static_cast<uint32_t>(epoch), offset, static_cast<int64_t>(ms),
                std::string(rest.substr(0, type_length)), std::string(rest.substr(type_length))),
      first};
}

absl::StatusOr<StoredEvent> ParsePublishReply(const RedisValue& reply, std::string topic,
                                              std::string type, std::string data) {
  const std::vector<RedisValue>& v = reply.elements;
  if (reply.type != RedisValue::Type::kArray || v.size() != 7) return Malformed("publish reply");
  if (v[3].AsInt() == 1) {
    type = v[5].str;
    data = v[6].str;
  }
  return StoredEvent{MakeEvent(std::move(topic), static_cast<uint32_t>(v[0].AsInt()),
                               static_cast<uint64_t>(v[1].AsInt()), v[2].AsInt(), std::move(type),
                               std::move(data)),
                     static_cast<uint64_t>(v[4].AsInt())};
}

absl::StatusOr<TopicState> ParseTopicState(std::string topic, const RedisValue& reply) {
  if (reply.type != RedisValue::Type::kArray) return Malformed("topic state");
  const std::vector<RedisValue>& v = reply.elements;
  TopicState state;
  if (v.size() == 1) {
    state.exists = false;
    state.marker = v[0].str;
    return state;
  }
  if (v.size() < 10) return Malformed("topic state");
  state.marker = v[8].str;
  state.epoch = static_cast<uint32_t>(v[0].AsInt());
  state.next_offset = static_cast<uint64_t>(v[1].AsInt());
  state.first_retained = static_cast<uint64_t>(v[2].AsInt());
  state.config.retention.max_events = static_cast<uint64_t>(v[3].AsInt());
  state.config.retention.max_bytes = static_cast<uint64_t>(v[4].AsInt());
  state.config.retention.max_age = absl::Milliseconds(v[5].AsInt());
  state.config.allow_browser_publish = v[6].str == "1";
  state.config.max_subscribers = static_cast<uint32_t>(v[9].AsInt());
  for (size_t i = 10; i < v.size(); ++i) {
    const std::vector<RedisValue>& e = v[i].elements;
    if (e.size() != 4) return Malformed("topic event");
    state.events.push_back(MakeEvent(topic, state.epoch, static_cast<uint64_t>(e[0].AsInt()),
                                     e[1].AsInt(), e[2].str, e[3].str));
  }
  state.config.name = std::move(topic);
  return state;
}

absl::Status FunctionError(const RedisValue& reply) {
  if (absl::StartsWith(reply.str, "NOTFOUND")) return absl::NotFoundError(reply.str);
  if (absl::StartsWith(reply.str, "EXISTS")) return absl::AlreadyExistsError(reply.str);
  return absl::InternalError(absl::StrCat("Redis: ", reply.str));
}

}  // namespace herald::engine
