#include "broker/core/clock.h"

namespace herald {
namespace {

class WallClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock& SystemClock() {
  static WallClock* const clock = new WallClock;
  return *clock;
}

}  // namespace herald
