// A log-linear latency histogram: 1/64 relative precision (≈1.6%) from 1 ns to hours, fixed
// memory, O(1) record. Percentiles report the upper edge of the bucket they fall in.
#ifndef HERALD_TESTS_LOAD_LATENCY_HISTOGRAM_H_
#define HERALD_TESTS_LOAD_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace herald::load {

class LatencyHistogram {
 public:
  void Record(uint64_t nanos);
  void Merge(const LatencyHistogram& other);
  // `q` in [0, 1]; 0 when empty.
  uint64_t Percentile(double q) const;
  uint64_t max() const { return max_; }
  uint64_t count() const { return count_; }

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;
  static int BucketOf(uint64_t nanos);
  static uint64_t UpperEdge(int bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_LATENCY_HISTOGRAM_H_
