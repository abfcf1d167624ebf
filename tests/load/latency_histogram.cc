#include "tests/load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace herald::load {

int LatencyHistogram::BucketOf(uint64_t nanos) {
  // Values below 2^kSubBits are exact; above, each power of two splits into 2^kSubBits steps.
  if (nanos < (uint64_t{1} << kSubBits)) return static_cast<int>(nanos);
  const int top = 63 - std::countl_zero(nanos);
  const int shift = top - kSubBits;
  const int sub = static_cast<int>((nanos >> shift) & ((1 << kSubBits) - 1));
  return ((shift + 1) << kSubBits) + sub;
}

uint64_t LatencyHistogram::UpperEdge(int bucket) {
  if (bucket < (1 << kSubBits)) return static_cast<uint64_t>(bucket);
  const int shift = (bucket >> kSubBits) - 1;
  const uint64_t sub = static_cast<uint64_t>(bucket & ((1 << kSubBits) - 1));
  return (((uint64_t{1} << kSubBits) | sub) << shift) + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(uint64_t nanos) {
  ++counts_[BucketOf(nanos)];
  ++count_;
  max_ = std::max(max_, nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= std::max<uint64_t>(rank, 1)) return std::min(UpperEdge(i), max_);
  }
  return max_;
}

}  // namespace herald::load
