// Time as a dependency: production code asks a Clock, tests inject a FakeClock.
//
//   FakeClock clock(absl::FromUnixSeconds(1000));
//   clock.Advance(absl::Seconds(5));
#ifndef HERALD_BROKER_CORE_CLOCK_H_
#define HERALD_BROKER_CORE_CLOCK_H_

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace herald {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock; a process-wide instance that is never destroyed.
Clock& SystemClock();

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : nanos_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load()); }
  void Advance(absl::Duration d) { nanos_ += absl::ToInt64Nanoseconds(d); }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_CLOCK_H_
