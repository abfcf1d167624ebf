#include "broker/observe/metrics.h"

#include <memory>

#include "broker/observe/families.h"
#include "gtest/gtest.h"

namespace herald::observe {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

class CountCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    Families out;
    out.Counter("herald_test_total", "A test counter.");
    out.Sample(7, {{"reason", "origin"}});
    return out.Take();
  }
};

TEST(MetricsTest, RendersHistogramsProcessMetricsAndBuildInfo) {
  Metrics metrics;
  metrics.publish_seconds().Observe(0.0003);
  metrics.events_published().Increment();
  const std::string text = metrics.Render();
  EXPECT_TRUE(Has(text, "# TYPE herald_publish_seconds histogram")) << text;
  EXPECT_TRUE(Has(text, "herald_publish_seconds_count 1")) << text;
  EXPECT_TRUE(Has(text, "herald_events_published_total 1")) << text;
  EXPECT_TRUE(Has(text, "herald_build_info{version=\"0.1.0\"} 1")) << text;
  EXPECT_TRUE(Has(text, "# TYPE process_cpu_seconds_total counter")) << text;
  EXPECT_TRUE(Has(text, "process_open_fds ")) << text;
  EXPECT_TRUE(Has(text, "process_start_time_seconds ")) << text;
}

TEST(MetricsTest, CollectorsAreScrapedUntilRemoved) {
  Metrics metrics;
  auto collector = std::make_shared<CountCollector>();
  metrics.Add(collector);
  EXPECT_TRUE(Has(metrics.Render(), "herald_test_total{reason=\"origin\"} 7"));
  metrics.Remove(collector.get());
  EXPECT_FALSE(Has(metrics.Render(), "herald_test_total"));
}

EventPtr EventOf(std::string topic) {
  auto event = std::make_shared<Event>();
  event->topic = std::move(topic);
  return event;
}

TEST(MetricsTest, PublishesAreCountedByCodeAndPerTopicOnlyWhereConfigured) {
  absl::StatusOr<std::shared_ptr<Metrics>> metrics =
      Metrics::Create({.topic_labels = {"orders", "tenant-*"}});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const Stopwatch now;
  (*metrics)->RecordPublish(now, EventOf("orders"));
  (*metrics)->RecordPublish(now, EventOf("tenant-7"));
  (*metrics)->RecordPublish(now, EventOf("other"));
  (*metrics)->RecordPublish(now, absl::UnavailableError("store down"));
  const std::string text = (*metrics)->Render();
  EXPECT_TRUE(Has(text, "herald_events_published_total 3\n")) << text;
  EXPECT_TRUE(Has(text, "herald_topic_events_published_total{topic=\"orders\"} 1")) << text;
  EXPECT_TRUE(Has(text, "herald_topic_events_published_total{topic=\"tenant-7\"} 1")) << text;
  EXPECT_FALSE(Has(text, "topic=\"other\"")) << text;
  EXPECT_TRUE(Has(text, "herald_publish_errors_total{code=\"unavailable\"} 1")) << text;
}

TEST(MetricsTest, MatchedTopicsPastTheSeriesCapShareOneSeries) {
  std::shared_ptr<Metrics> metrics = *Metrics::Create({.topic_labels = {"t-*"}});
  for (size_t i = 0; i < kMaxTopicSeries + 3; ++i) {
    metrics->RecordPublish(Stopwatch(), EventOf("t-" + std::to_string(i)));
  }
  const std::string text = metrics->Render();
  EXPECT_TRUE(Has(text, "herald_topic_events_published_total{topic=\"_other\"} 3")) << text;
}

TEST(MetricsTest, TopicLabelPatternsAreBounded) {
  EXPECT_EQ(Metrics::Create({.topic_labels = {"*"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Metrics::Create({.topic_labels = std::vector<std::string>(kMaxTopicPatterns + 1, "a")})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::observe
