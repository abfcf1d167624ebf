#include "broker/core/retention.h"

namespace herald {
namespace {

// The smallest offset in [lo, hi) for which `keep` holds, or hi; `keep` must be false then
// true along the offsets.
uint64_t FirstWhere(uint64_t lo, uint64_t hi, absl::FunctionRef<bool(uint64_t)> keep) {
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (keep(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace

uint64_t FirstRetained(const RetentionPolicy& policy, absl::Time now, const RetainedSpan& span,
                       absl::FunctionRef<RetainedMark(uint64_t offset)> mark) {
  uint64_t first = span.first;
  if (span.next - first > policy.max_events) first = span.next - policy.max_events;
  if (policy.max_bytes > 0 && first < span.next &&
      span.total_bytes - mark(first).bytes_before > policy.max_bytes) {
    first = FirstWhere(first + 1, span.next, [&](uint64_t offset) {
      return span.total_bytes - mark(offset).bytes_before <= policy.max_bytes;
    });
  }
  if (policy.max_age > absl::ZeroDuration() && first < span.next) {
    const absl::Time oldest_allowed = now - policy.max_age;
    if (mark(first).publish_time < oldest_allowed) {
      first = FirstWhere(first + 1, span.next, [&](uint64_t offset) {
        return mark(offset).publish_time >= oldest_allowed;
      });
    }
  }
  return first;
}

}  // namespace herald
