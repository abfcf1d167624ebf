// What a topic is: its name, how much history it retains, and who may use it.
//
//   TopicConfig config{.name = "orders", .retention = {.max_events = 10'000}};
//   HERALD_RETURN_IF_ERROR(ValidateTopicConfig(config));
#ifndef HERALD_BROKER_CORE_TOPIC_H_
#define HERALD_BROKER_CORE_TOPIC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace herald {

// How far back resume reaches. Each bound is enforced as events arrive; zero means unbounded
// for max_bytes and max_age. max_events is always bounded (a broker never grows forever).
struct RetentionPolicy {
  uint64_t max_events = 1000;
  uint64_t max_bytes = 0;
  absl::Duration max_age = absl::ZeroDuration();

  friend bool operator==(const RetentionPolicy&, const RetentionPolicy&) = default;
};

struct TopicConfig {
  std::string name;
  RetentionPolicy retention;
  // Browsers may publish over WebSocket only where the topic allows it and their
  // credentials do.
  bool allow_browser_publish = false;
  // Subscribers (SSE, WebSocket and gRPC streams) one node serves at once; past it a new
  // subscriber is refused with ResourceExhausted. Counted per node, not across nodes. 0 means
  // no limit.
  uint32_t max_subscribers = 0;

  friend bool operator==(const TopicConfig&, const TopicConfig&) = default;
};

// A topic's configuration plus where its history stands now.
struct TopicInfo {
  TopicConfig config;
  uint32_t epoch = 0;
  // Offsets of the oldest and newest retained events; first > last when none is retained.
  uint64_t first_offset = 1;
  uint64_t last_offset = 0;
  uint64_t retained_bytes = 0;
};

inline constexpr size_t kMaxTopicNameLength = 200;
inline constexpr uint64_t kMaxRetainedEvents = 10'000'000;

// OK when `name` matches [A-Za-z0-9._:/-]{1,200}; InvalidArgument naming the fault otherwise.
absl::Status ValidateTopicName(std::string_view name);

// OK for an SSE event name: at most 200 bytes of UTF-8 with no CR, LF or NUL (it becomes one
// `event:` line); empty means the default "message". InvalidArgument otherwise.
absl::Status ValidateEventType(std::string_view type);

// Validates the name and the retention bounds (max_events in 1..kMaxRetainedEvents,
// max_age not negative).
absl::Status ValidateTopicConfig(const TopicConfig& config);

}  // namespace herald

#endif  // HERALD_BROKER_CORE_TOPIC_H_
