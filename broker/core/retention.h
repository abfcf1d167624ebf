// Where retention cuts a topic's history: the one rule every store applies, so a trimmed
// event is gone the same way whether it lived in memory or on disk.
//
// A store describes each retained event by a RetainedMark: the bytes of all events before it
// in this epoch, and its publish time. Both grow with the offset, so the cut is found by
// binary search, reading a few marks rather than every event.
//
//   uint64_t first = FirstRetained(policy, now, {.first = 1, .next = 11, .total_bytes = 50},
//                                  [&](uint64_t offset) { return marks[offset]; });
#ifndef HERALD_BROKER_CORE_RETENTION_H_
#define HERALD_BROKER_CORE_RETENTION_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "broker/core/topic.h"

namespace herald {

struct RetainedMark {
  // Sum of Event::Bytes() of every earlier event of the epoch.
  uint64_t bytes_before = 0;
  absl::Time publish_time;
};

// The span a store holds: offsets [first, next), and the bytes of every event of the epoch
// before `next` (so the retained bytes are total_bytes - mark(first).bytes_before).
struct RetainedSpan {
  uint64_t first = 1;
  uint64_t next = 1;
  uint64_t total_bytes = 0;
};

// The oldest offset to keep under `policy` at `now`; span.next when nothing is kept.
// `mark` is called only for offsets in [span.first, span.next).
uint64_t FirstRetained(const RetentionPolicy& policy, absl::Time now, const RetainedSpan& span,
                       absl::FunctionRef<RetainedMark(uint64_t offset)> mark);

}  // namespace herald

#endif  // HERALD_BROKER_CORE_RETENTION_H_
