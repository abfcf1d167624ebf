// I/O shards: one event loop and one thread each. A connection lives on one shard for life,
// so its state needs no lock; each shard indexes its own subscriptions, so publishing takes
// no global lock over subscribers and posts once per shard, never once per session.
//
//   ShardPool pool(/*shards=*/2);
//   Shard& shard = pool.Next();        // where a new connection lives
//   pool.Publish(EncodeEvent(event));  // every shard fans out to its own subscribers
#ifndef HERALD_BROKER_FANOUT_SHARD_H_
#define HERALD_BROKER_FANOUT_SHARD_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "broker/core/mutex.h"
#include "broker/fanout/encoded_event.h"
#include "broker/fanout/encoded_history.h"
#include "broker/fanout/outbound_queue.h"
#include "broker/fanout/subscription_index.h"
#include "broker/fanout/topic_audience.h"
#include "broker/observe/metrics.h"

namespace herald::fanout {

// Thread-safe: context() and Post() from any thread; index() only on the shard's thread.
class Shard {
 public:
  // `history` and `audience` (the pool's) and `metrics` (null: none recorded) must outlive
  // the shard.
  Shard(size_t id, EncodedHistory& history, TopicAudience& audience,
        observe::Metrics* metrics = nullptr);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  size_t id() const { return id_; }
  boost::asio::io_context& context() { return context_; }
  SubscriptionIndex& index() { return index_; }
  // The newest events of every topic, encoded; where subscriptions replay from.
  EncodedHistory& history() { return history_; }
  // Subscribers per topic on every shard of the node; thread-safe.
  TopicAudience& audience() { return audience_; }
  // Where subscriptions record resumes, gaps and resets; null when nothing is recorded.
  observe::Metrics* metrics() { return metrics_; }
  // Sessions on this shard give it to their OutboundQueue.
  QueueGauge& queue_gauge() { return queue_gauge_; }
  bool running_in_this_thread() { return context_.get_executor().running_in_this_thread(); }

  // Queues `event` for this shard's subscribers. Events that arrive while a dispatch pass is
  // pending join that pass, so each session gathers all of them into one write and an
  // overloaded shard costs one wake-up per pass, not one per event. Thread-safe.
  void Enqueue(std::shared_ptr<const EncodedEvent> event);
  // Events enqueued and not yet dispatched.
  size_t backlog();

  // Runs `task` on this shard once the dispatch pass in progress has handed every event to
  // every session, or posts it when no pass is running. A session schedules its write here:
  // it then writes once per pass however many events the pass gave it, without a post per
  // session. Only on the shard's thread.
  void AfterDispatch(absl::AnyInvocable<void()> task);

  // True for one delivery in kDeliverySampleEvery on this shard: that one is timed from its
  // publish to its socket write (a timing per delivery would cost the fan-out path a clock
  // read and a histogram's lock each). Only on the shard's thread.
  bool SampleDelivery() {
    if (--until_sample_ != 0) return false;
    until_sample_ = kDeliverySampleEvery;
    return true;
  }
  static constexpr uint32_t kDeliverySampleEvery = 64;

  // Lets the loop return once its work is done, and joins the thread.
  void Stop();

 private:
  void DispatchInbox();

  const size_t id_;
  EncodedHistory& history_;
  TopicAudience& audience_;
  observe::Metrics* const metrics_;
  boost::asio::io_context context_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  SubscriptionIndex index_;
  QueueGauge queue_gauge_;
  Mutex inbox_mu_;
  std::vector<std::shared_ptr<const EncodedEvent>> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  bool dispatch_scheduled_ ABSL_GUARDED_BY(inbox_mu_) = false;
  // The pass being dispatched and what runs after it; only the shard's thread touches them.
  std::vector<std::shared_ptr<const EncodedEvent>> dispatching_;
  bool in_dispatch_ = false;
  // AnyInvocable rather than std::function: a task that captures a session's shared_ptr fits
  // its inline storage, where std::function allocates for every capture that is not trivially
  // copyable (one allocation per scheduled write).
  std::vector<absl::AnyInvocable<void()>> after_dispatch_;
  uint32_t until_sample_ = kDeliverySampleEvery;
  std::thread thread_;
};

// Thread-safe.
class ShardPool {
 public:
  // `shards` == 0 means one per hardware thread. `metrics` (null: none recorded) must outlive
  // the pool.
  explicit ShardPool(size_t shards, size_t max_backlog = kDefaultMaxBacklog,
                     observe::Metrics* metrics = nullptr);

  static constexpr size_t kDefaultMaxBacklog = 256;
  ~ShardPool();

  size_t size() const { return shards_.size(); }
  Shard& shard(size_t i) { return *shards_[i]; }
  // Round-robin: the shard a new connection lives on.
  Shard& Next();
  // True while some shard is behind on fan-out: more than `max_backlog` events wait for
  // dispatch, or its sessions' queues hold more than kOverloadBytesPerQueue each on average
  // (see QueueGauge). Fan-out runs on the shards while publishes are stored on the callers'
  // threads; when the shards fall behind, publishers pause on this instead of growing the
  // backlog and starving the shards of the CPU they need to catch up.
  bool Overloaded();

  static constexpr int64_t kOverloadBytesPerQueue = 8 * 1024;
  // Below this a shard is never overloaded by its queues: a handful of sessions is not load.
  static constexpr int64_t kMinOverloadBytes = 1 << 20;

  // Records `event` in the history and hands it once to every shard, in call order (callers
  // publish each topic's events in offset order, so every shard sees them in that order).
  void Publish(std::shared_ptr<const EncodedEvent> event);
  EncodedHistory& history() { return history_; }
  void Stop();

 private:
  // Declared before the shards, which refer to them.
  EncodedHistory history_;
  TopicAudience audience_;
  std::vector<std::unique_ptr<Shard>> shards_;
  const size_t max_backlog_;
  std::atomic<size_t> next_{0};
};

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_SHARD_H_
