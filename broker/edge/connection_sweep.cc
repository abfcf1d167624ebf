#include "broker/edge/connection_sweep.h"

#include <chrono>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/use_awaitable.hpp"

namespace herald::edge {

namespace asio = boost::asio;

ConnectionSweep::ConnectionSweep(fanout::Shard& shard, const Clock& clock,
                                 absl::Duration interval)
    : shard_(shard), clock_(clock), interval_(interval), timer_(shard.context()) {}

asio::awaitable<void> ConnectionSweep::Run() {
  while (!stopped_) {
    timer_.expires_after(absl::ToChronoNanoseconds(interval_));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    const absl::Time now = clock_.Now();
    // By index: OnSweep only closes sockets and wakes writers, whose completions run later,
    // so no connection leaves the list during this walk.
    for (size_t i = 0; i < connections_.size(); ++i) connections_[i]->OnSweep(now);
  }
}

void ConnectionSweep::Add(SweptConnection* connection) {
  connection->sweep_slot_ = connections_.size();
  connections_.push_back(connection);
  if (stopped_) {
    connection->Abort();
  } else if (draining_) {
    connection->Drain();
  }
}

void ConnectionSweep::Remove(SweptConnection* connection) {
  const size_t slot = connection->sweep_slot_;
  if (slot >= connections_.size() || connections_[slot] != connection) return;
  // Swap-remove: O(1), order does not matter to a sweep.
  connections_[slot] = connections_.back();
  connections_[slot]->sweep_slot_ = slot;
  connections_.pop_back();
  connection->sweep_slot_ = std::numeric_limits<size_t>::max();
}

void ConnectionSweep::DrainAll() {
  draining_ = true;
  for (size_t i = 0; i < connections_.size(); ++i) connections_[i]->Drain();
}

void ConnectionSweep::Stop() {
  stopped_ = true;
  timer_.cancel();
  for (size_t i = 0; i < connections_.size(); ++i) connections_[i]->Abort();
}

}  // namespace herald::edge
