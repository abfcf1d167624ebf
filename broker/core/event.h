// One published event. Immutable once stored; shared by the store, fan-out and every session.
#ifndef HERALD_BROKER_CORE_EVENT_H_
#define HERALD_BROKER_CORE_EVENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"

namespace herald {

struct Event {
  std::string topic;
  // Per topic: 1, 2, 3, ... with no gaps, within one epoch.
  uint64_t offset = 0;
  uint32_t epoch = 0;
  // The SSE `event:` name; empty for the default "message".
  std::string type;
  std::string data;
  absl::Time publish_time;

  // What retention counts against max_bytes.
  size_t Bytes() const { return type.size() + data.size(); }
};

using EventPtr = std::shared_ptr<const Event>;

}  // namespace herald

#endif  // HERALD_BROKER_CORE_EVENT_H_
