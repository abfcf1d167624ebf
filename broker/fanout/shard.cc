#include "broker/fanout/shard.h"

#include <utility>

#include "boost/asio/post.hpp"

namespace herald::fanout {

Shard::Shard(size_t id) : id_(id), work_(boost::asio::make_work_guard(context_)) {
  thread_ = std::thread([this] { context_.run(); });
}

Shard::~Shard() { Stop(); }

void Shard::Stop() {
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

ShardPool::ShardPool(size_t shards) {
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(i));
}

ShardPool::~ShardPool() { Stop(); }

Shard& ShardPool::Next() { return *shards_[next_.fetch_add(1) % shards_.size()]; }

void ShardPool::Publish(std::shared_ptr<const EncodedEvent> event) {
  for (auto& shard : shards_) {
    boost::asio::post(shard->context(),
                      [s = shard.get(), event] { s->index().Dispatch(event); });
  }
}

void ShardPool::Stop() {
  for (auto& shard : shards_) shard->Stop();
}

}  // namespace herald::fanout
