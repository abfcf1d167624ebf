#include "broker/observe/metrics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "broker/core/string_view.h"
#include "broker/observe/process_collector.h"
#include "prometheus/gauge.h"
#include "prometheus/text_serializer.h"

namespace herald::observe {
namespace {

// 100 µs to ~26 s by factors of two: a publish to memory takes microseconds, one to Redis
// or fsync milliseconds, a stalled store seconds.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 0.0001; b < 30; b *= 2) buckets.push_back(b);
  return buckets;
}

// How long a client was away: 100 ms to a day.
prometheus::Histogram::BucketBoundaries AwayBuckets() {
  return {0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86400};
}

prometheus::Histogram::BucketBoundaries CountBuckets() {
  return {0, 1, 10, 100, 1000, 10000, 100000};
}

prometheus::Histogram& AddHistogram(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help,
                                    prometheus::Histogram::BucketBoundaries buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

prometheus::Counter& AddCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

// "unavailable", "not_found": the code's name as a label value.
std::string StatusCodeLabel(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) c = absl::ascii_tolower(c);
  return name;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      publish_seconds_(AddHistogram(*registry_, "herald_publish_seconds",
                                    "Publish latency: request received to stored.",
                                    LatencyBuckets())),
      events_published_(
          AddCounter(*registry_, "herald_events_published_total", "Events stored by publishes.")),
      publish_errors_(prometheus::BuildCounter()
                          .Name("herald_publish_errors_total")
                          .Help("Publishes not stored, by status code.")
                          .Register(*registry_)),
      delivery_seconds_(AddHistogram(
          *registry_, "herald_delivery_seconds",
          "Publish time to the socket write of a delivery (sampled: one delivery in 64 per shard).",
          LatencyBuckets())),
      store_append_seconds_(
          AddHistogram(*registry_, "herald_store_append_seconds",
                       "Store appends: call to answer (with the WAL sync under fsync durability).",
                       LatencyBuckets())),
      store_sync_seconds_(AddHistogram(*registry_, "herald_store_sync_seconds",
                                       "RocksDB group writes: WAL append, and its sync under "
                                       "fsync durability.",
                                       LatencyBuckets())),
      replay_read_seconds_(AddHistogram(*registry_, "herald_replay_read_seconds",
                                        "Reads of history from the store (replays older than "
                                        "the in-memory history).",
                                        LatencyBuckets())),
      resume_away_seconds_(AddHistogram(
          *registry_, "herald_resume_away_seconds",
          "How long a resuming subscriber was away: publish time of its cursor's event to the "
          "resume.",
          AwayBuckets())),
      resume_replayed_events_(AddHistogram(*registry_, "herald_resume_replayed_events",
                                           "Events replayed to a resuming subscriber.",
                                           CountBuckets())),
      resumes_(
          AddCounter(*registry_, "herald_resumes_total", "Subscriptions resumed from a cursor.")),
      resumes_refused_(AddCounter(*registry_, "herald_resumes_refused_total",
                                  "Resumes refused: a malformed cursor or one of other topics.")),
      gaps_(AddCounter(*registry_, "herald_gaps_total",
                       "herald.gap notices: a cursor older than retention.")),
      resets_(AddCounter(*registry_, "herald_resets_total",
                         "herald.reset notices: a cursor of an earlier epoch.")),
      auth_failures_(AddCounter(*registry_, "herald_auth_failures_total",
                                "Control-plane calls refused for their credentials.")) {
  prometheus::BuildGauge()
      .Name("herald_build_info")
      .Help("Herald's version, as a label; always 1.")
      .Register(*registry_)
      .Add({{"version", kHeraldVersion}})
      .Set(1);
  Add(std::make_shared<ProcessCollector>());
}

absl::StatusOr<std::shared_ptr<Metrics>> Metrics::Create(MetricsOptions options) {
  if (options.topic_labels.size() > kMaxTopicPatterns) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d topic label patterns; at most %d (use prefixes such as 'orders-*')",
                        options.topic_labels.size(), kMaxTopicPatterns));
  }
  for (const std::string& pattern : options.topic_labels) {
    if (pattern.empty() || pattern == "*") {
      return absl::InvalidArgumentError(absl::StrFormat(
          "topic label pattern '%s' would label every topic; name topics or prefixes", pattern));
    }
  }
  auto metrics = std::make_shared<Metrics>();
  if (!options.topic_labels.empty()) {
    metrics->topic_labels_ = std::move(options.topic_labels);
    metrics->topic_published_ = &prometheus::BuildCounter()
                                     .Name("herald_topic_events_published_total")
                                     .Help(
                                         "Events stored by publishes, for the topics "
                                         "configured to be labelled (--metrics_topics).")
                                     .Register(*metrics->registry_);
  }
  return metrics;
}

void Metrics::RecordPublish(const Stopwatch& since, const absl::StatusOr<EventPtr>& outcome) {
  if (!outcome.ok()) {
    publish_errors_.Add({{"code", StatusCodeLabel(outcome.status().code())}}).Increment();
    return;
  }
  events_published_.Increment();
  since.Stop(publish_seconds_);
  if (prometheus::Counter* counter = TopicCounter((*outcome)->topic)) counter->Increment();
}

prometheus::Counter* Metrics::TopicCounter(const std::string& topic) {
  if (topic_published_ == nullptr) return nullptr;
  const bool labelled =
      std::any_of(topic_labels_.begin(), topic_labels_.end(), [&topic](const std::string& pattern) {
        return pattern.back() == '*'
                   ? absl::StartsWith(topic, AbslView(pattern).substr(0, pattern.size() - 1))
                   : topic == pattern;
      });
  if (!labelled) return nullptr;
  MutexLock lock(mu_);
  if (auto it = topic_series_.find(topic); it != topic_series_.end()) return it->second;
  // Past the cap, matched topics share one series: a prefix cannot grow the scrape forever.
  const std::string label = topic_series_.size() < kMaxTopicSeries ? topic : "_other";
  prometheus::Counter* counter = &topic_published_->Add({{"topic", label}});
  if (label == topic) topic_series_.emplace(topic, counter);
  return counter;
}

void Metrics::Add(std::shared_ptr<const prometheus::Collectable> collectable) {
  MutexLock lock(mu_);
  collectables_.push_back(std::move(collectable));
}

void Metrics::Remove(const prometheus::Collectable* collectable) {
  MutexLock lock(mu_);
  std::erase_if(collectables_, [collectable](const auto& c) { return c.get() == collectable; });
}

std::vector<prometheus::MetricFamily> Metrics::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  MutexLock lock(mu_);
  for (const auto& collectable : collectables_) {
    std::vector<prometheus::MetricFamily> more = collectable->Collect();
    std::move(more.begin(), more.end(), std::back_inserter(families));
  }
  return families;
}

std::string Metrics::Render() const { return prometheus::TextSerializer().Serialize(Collect()); }

}  // namespace herald::observe
