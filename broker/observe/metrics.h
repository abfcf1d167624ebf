// The node's one metrics registry: histograms and counters that every layer records into
// (prometheus-cpp), the collectors of counts kept elsewhere as relaxed atomics (the fan-out
// path's, which cost too much as prometheus-cpp counters), the process_* metrics and
// herald_build_info; rendered as Prometheus text for /metrics.
//
//   auto metrics = std::make_shared<observe::Metrics>();
//   metrics->publish_seconds().Observe(0.0021);
//   metrics->Add(edge_collector);            // a prometheus::Collectable
//   std::string text = metrics->Render();
#ifndef HERALD_BROKER_OBSERVE_METRICS_H_
#define HERALD_BROKER_OBSERVE_METRICS_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/core/event.h"
#include "broker/core/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace herald::observe {

class Stopwatch;

struct MetricsOptions {
  // host:port of an internal listener that serves /metrics alone (the edge's /metrics
  // stays); empty: none. Port 0 picks a free one.
  std::string address;
  // Topics whose publishes are also counted apart, in herald_topic_events_published_total
  // {topic}: names, or prefixes ending in '*' ("orders", "tenant-*"). At most
  // kMaxTopicPatterns; empty: no per-topic series, so cardinality stays fixed.
  std::vector<std::string> topic_labels;
};

// The most topic_labels patterns, and the most topic series they may create; topics matched
// past the series cap are counted under topic="_other".
inline constexpr size_t kMaxTopicPatterns = 64;
inline constexpr size_t kMaxTopicSeries = 256;

// "0.1.0": what herald_build_info and the start-up log report.
inline constexpr char kHeraldVersion[] = "0.1.0";

// Thread-safe. Owned by the node (herald::Broker); outlives everything that records into it.
class Metrics final : public prometheus::Collectable {
 public:
  // InvalidArgument past kMaxTopicPatterns patterns or for an empty one.
  static absl::StatusOr<std::shared_ptr<Metrics>> Create(MetricsOptions options = {});
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Request received to stored (acknowledged), every publish of the node.
  prometheus::Histogram& publish_seconds() { return publish_seconds_; }
  prometheus::Counter& events_published() { return events_published_; }

  // Publish time to the write of a delivery to its socket, sampled (Shard::SampleDelivery).
  prometheus::Histogram& delivery_seconds() { return delivery_seconds_; }
  // The local engine's store: an append's call to its answer (with the sync under fsync
  // durability), one group write of RocksDB (WAL append and sync), and a read of history.
  prometheus::Histogram& store_append_seconds() { return store_append_seconds_; }
  prometheus::Histogram& store_sync_seconds() { return store_sync_seconds_; }
  prometheus::Histogram& replay_read_seconds() { return replay_read_seconds_; }
  // A resuming subscriber: how long it was away (publish time of the event its cursor names
  // to the resume) and how many events it was replayed.
  prometheus::Histogram& resume_away_seconds() { return resume_away_seconds_; }
  prometheus::Histogram& resume_replayed_events() { return resume_replayed_events_; }
  prometheus::Counter& resumes() { return resumes_; }
  // Cursors that could not be resumed: malformed, or of another topic set.
  prometheus::Counter& resumes_refused() { return resumes_refused_; }
  prometheus::Counter& gaps() { return gaps_; }
  prometheus::Counter& resets() { return resets_; }
  // Control-plane calls refused for their credentials.
  prometheus::Counter& auth_failures() { return auth_failures_; }

  // One publish answered: stored ones counted (per topic too, when it matches topic_labels)
  // and timed from `since`, failed ones counted by status code
  // (herald_publish_errors_total{code}: "unavailable" is a store or Redis down).
  void RecordPublish(const Stopwatch& since, const absl::StatusOr<EventPtr>& outcome);

  // Collected on every scrape until removed; must stay alive until then.
  void Add(std::shared_ptr<const prometheus::Collectable> collectable);
  void Remove(const prometheus::Collectable* collectable);

  // Everything: the registry's families, then each collector's.
  std::vector<prometheus::MetricFamily> Collect() const override;
  // Collect() as Prometheus text (format 0.0.4).
  std::string Render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Histogram& publish_seconds_;
  prometheus::Counter& events_published_;
  prometheus::Family<prometheus::Counter>& publish_errors_;
  prometheus::Histogram& delivery_seconds_;
  prometheus::Histogram& store_append_seconds_;
  prometheus::Histogram& store_sync_seconds_;
  prometheus::Histogram& replay_read_seconds_;
  prometheus::Histogram& resume_away_seconds_;
  prometheus::Histogram& resume_replayed_events_;
  prometheus::Counter& resumes_;
  prometheus::Counter& resumes_refused_;
  prometheus::Counter& gaps_;
  prometheus::Counter& resets_;
  prometheus::Counter& auth_failures_;

  // The per-topic series of herald_topic_events_published_total, when `topic` matches.
  prometheus::Counter* TopicCounter(const std::string& topic);

  std::vector<std::string> topic_labels_;
  prometheus::Family<prometheus::Counter>* topic_published_ = nullptr;

  mutable Mutex mu_;
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Counter*> topic_series_ ABSL_GUARDED_BY(mu_);
};

// Times one operation into a histogram, in seconds, from construction to Stop(); on the
// monotonic clock, which a wall-clock step cannot make negative.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void Stop(prometheus::Histogram& histogram) const {
    histogram.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace herald::observe

#endif  // HERALD_BROKER_OBSERVE_METRICS_H_
