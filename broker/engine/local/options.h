// What the local engine (topics, offsets and retention on this node's store) can be told.
//
//   engine::LocalEngineOptions options{.auto_create_topics = true};
#ifndef HERALD_BROKER_ENGINE_LOCAL_OPTIONS_H_
#define HERALD_BROKER_ENGINE_LOCAL_OPTIONS_H_

#include <cstddef>

#include "broker/core/topic.h"

namespace herald::engine {

struct LocalEngineOptions {
  // Publishing to a missing topic creates it with default_retention instead of NotFound.
  bool auto_create_topics = false;
  RetentionPolicy default_retention;
  // The largest event (type + data) accepted; larger ones get ResourceExhausted.
  size_t max_event_bytes = 1 << 20;
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_LOCAL_OPTIONS_H_
