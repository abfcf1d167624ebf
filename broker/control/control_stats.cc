#include "broker/control/control_stats.h"

#include <algorithm>

namespace herald::control {

void ControlStats::RecordPublish(absl::Time now) {
  published_.fetch_add(1, std::memory_order_relaxed);
  const int64_t second = absl::ToUnixSeconds(now);
  MutexLock lock(mu_);
  Bucket& bucket = buckets_[static_cast<size_t>(second % kRateWindowSeconds)];
  if (bucket.second != second) bucket = {.second = second, .count = 0};
  ++bucket.count;
}

double ControlStats::PublishRate(absl::Time now) const {
  const int64_t second = absl::ToUnixSeconds(now);
  uint64_t total = 0;
  {
    MutexLock lock(mu_);
    for (const Bucket& bucket : buckets_) {
      if (bucket.second > second - kRateWindowSeconds && bucket.second <= second) {
        total += bucket.count;
      }
    }
  }
  // A node up for 5 s has not had a minute to average over. The current, partial second
  // has a bucket too, hence the +1.
  const double window = std::clamp(static_cast<double>(absl::ToInt64Seconds(Uptime(now)) + 1), 1.0,
                                   static_cast<double>(kRateWindowSeconds));
  return static_cast<double>(total) / window;
}

}  // namespace herald::control
