#include "tests/testing/wait_for.h"

#include "absl/time/clock.h"

namespace herald::testing {

bool WaitFor(const std::function<bool()>& predicate, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  // Short at first so fast conditions are seen at once, longer later to leave the CPU to the
  // code under test.
  absl::Duration pause = absl::Microseconds(50);
  while (!predicate()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(20));
  }
  return true;
}

}  // namespace herald::testing
