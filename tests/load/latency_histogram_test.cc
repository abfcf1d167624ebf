#include "tests/load/latency_histogram.h"

#include "gtest/gtest.h"

namespace herald::load {
namespace {

TEST(LatencyHistogramTest, PercentilesAreWithinTwoPercent) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000u * 1000);
  for (double q : {0.5, 0.99, 0.999}) {
    const double exact = q * 100000 * 1000;
    EXPECT_NEAR(static_cast<double>(h.Percentile(q)), exact, exact * 0.02) << q;
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndEmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), 0u);
  h.Record(3);
  h.Record(5);
  EXPECT_EQ(h.Percentile(0.5), 3u);
  EXPECT_EQ(h.Percentile(1.0), 5u);
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a, b;
  a.Record(10);
  b.Record(1'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.max(), 1'000'000u);
}

}  // namespace
}  // namespace herald::load
