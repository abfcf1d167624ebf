// The topic rules every engine applies, whether topics live in this process or in Redis:
// auto-creation, default retention and the largest event.
//
//   engine::EngineOptions options{.auto_create_topics = true};
//   HERALD_RETURN_IF_ERROR(engine::CheckPublish(request, options));
#ifndef HERALD_BROKER_ENGINE_OPTIONS_H_
#define HERALD_BROKER_ENGINE_OPTIONS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "broker/core/engine.h"
#include "broker/core/topic.h"

namespace herald::engine {

struct EngineOptions {
  // Publishing to a missing topic creates it with default_retention instead of NotFound.
  bool auto_create_topics = false;
  RetentionPolicy default_retention;
  // The largest event (type + data) accepted; larger ones get ResourceExhausted.
  size_t max_event_bytes = 1 << 20;
};

// What a publish must satisfy before any engine looks for its topic: a valid topic name and
// event type (InvalidArgument), and the size limit (ResourceExhausted).
absl::Status CheckPublish(const PublishRequest& request, const EngineOptions& options);

// NotFound for `name`, telling how to create it.
absl::Status TopicNotFound(std::string_view name);

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_OPTIONS_H_
