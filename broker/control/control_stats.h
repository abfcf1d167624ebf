// Counters the control plane keeps for AdminService.GetStats: events published, the publish
// rate over the last minute, and uptime (deliveries are the session registry's).
//
//   stats.RecordPublish(clock.Now());
//   double per_second = stats.PublishRate(clock.Now());
#ifndef HERALD_BROKER_CONTROL_CONTROL_STATS_H_
#define HERALD_BROKER_CONTROL_CONTROL_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "broker/core/mutex.h"

namespace herald::control {

// Thread-safe.
class ControlStats {
 public:
  // The window PublishRate() averages over, in one-second buckets.
  static constexpr int kRateWindowSeconds = 60;

  explicit ControlStats(absl::Time start) : start_(start) {}

  void RecordPublish(absl::Time now);

  uint64_t published() const { return published_.load(std::memory_order_relaxed); }
  // Events per second over the last kRateWindowSeconds (or since start, when sooner).
  double PublishRate(absl::Time now) const;
  absl::Duration Uptime(absl::Time now) const { return now - start_; }

 private:
  struct Bucket {
    int64_t second = -1;
    uint64_t count = 0;
  };

  const absl::Time start_;
  std::atomic<uint64_t> published_{0};
  mutable Mutex mu_;
  // Indexed by unix second modulo the window; a bucket of an older second counts as empty.
  std::array<Bucket, kRateWindowSeconds> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_CONTROL_STATS_H_
