#include "broker/fanout/shard.h"

#include <utility>

#include "boost/asio/post.hpp"

namespace herald::fanout {

Shard::Shard(size_t id, EncodedHistory& history, TopicAudience& audience, observe::Metrics* metrics)
    : id_(id),
      history_(history),
      audience_(audience),
      metrics_(metrics),
      work_(boost::asio::make_work_guard(context_)) {
  thread_ = std::thread([this] { context_.run(); });
}

Shard::~Shard() { Stop(); }

void Shard::Stop() {
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

void Shard::Enqueue(std::shared_ptr<const EncodedEvent> event) {
  bool schedule = false;
  {
    MutexLock lock(inbox_mu_);
    inbox_.push_back(std::move(event));
    schedule = !dispatch_scheduled_;
    dispatch_scheduled_ = true;
  }
  if (schedule) boost::asio::post(context_, [this] { DispatchInbox(); });
}

size_t Shard::backlog() {
  MutexLock lock(inbox_mu_);
  return inbox_.size();
}

void Shard::DispatchInbox() {
  {
    MutexLock lock(inbox_mu_);
    dispatching_.swap(inbox_);
    dispatch_scheduled_ = false;
  }
  in_dispatch_ = true;
  for (const auto& event : dispatching_) index_.Dispatch(event);
  in_dispatch_ = false;
  dispatching_.clear();
  // Swapped out so that tasks may schedule more (those are posted); the capacity is kept.
  std::vector<absl::AnyInvocable<void()>> tasks;
  tasks.swap(after_dispatch_);
  for (auto& task : tasks) task();
  tasks.clear();
  if (after_dispatch_.empty()) after_dispatch_.swap(tasks);
}

void Shard::AfterDispatch(absl::AnyInvocable<void()> task) {
  if (in_dispatch_) {
    after_dispatch_.push_back(std::move(task));
  } else {
    boost::asio::post(context_, std::move(task));
  }
}

ShardPool::ShardPool(size_t shards, size_t max_backlog, observe::Metrics* metrics)
    : max_backlog_(max_backlog) {
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i)
    shards_.push_back(std::make_unique<Shard>(i, history_, audience_, metrics));
}

ShardPool::~ShardPool() { Stop(); }

Shard& ShardPool::Next() { return *shards_[next_.fetch_add(1) % shards_.size()]; }

void ShardPool::Publish(std::shared_ptr<const EncodedEvent> event) {
  history_.Record(event);
  for (auto& shard : shards_) shard->Enqueue(event);
}

bool ShardPool::Overloaded() {
  for (auto& shard : shards_) {
    if (shard->backlog() > max_backlog_) return true;
    const QueueGauge& gauge = shard->queue_gauge();
    if (gauge.bytes() > std::max(kMinOverloadBytes, gauge.queues() * kOverloadBytesPerQueue)) {
      return true;
    }
  }
  return false;
}

void ShardPool::Stop() {
  for (auto& shard : shards_) shard->Stop();
}

}  // namespace herald::fanout
