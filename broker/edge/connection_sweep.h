// One sweep per shard drives every connection's timers: handshake and idle deadlines, SSE
// heartbeats, WebSocket pings and pong deadlines. A timer per connection would cost memory
// and a heap entry each; one periodic walk costs a pointer per connection (STYLE.md budget:
// a few KiB per idle connection).
//
//   class Session : public SweptConnection { void OnSweep(absl::Time now) override; ... };
//   SweepRegistration registration(sweep, &session);   // for the session's life
#ifndef HERALD_BROKER_EDGE_CONNECTION_SWEEP_H_
#define HERALD_BROKER_EDGE_CONNECTION_SWEEP_H_

#include <cstddef>
#include <limits>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/steady_timer.hpp"
#include "broker/core/clock.h"
#include "broker/fanout/shard.h"

namespace herald::edge {

// A connection the sweep visits. All calls come on the connection's shard thread, never from
// inside a fanout::Delivery call, so implementations may tear down their subscription there.
class SweptConnection {
 public:
  virtual ~SweptConnection() = default;
  // About every sweep interval, with the clock's time.
  virtual void OnSweep(absl::Time now) = 0;
  // The node drains: tell the client to reconnect elsewhere, flush, then close.
  virtual void Drain() = 0;
  // Close the socket now; pending operations complete with operation_aborted.
  virtual void Abort() = 0;

 private:
  friend class ConnectionSweep;
  size_t sweep_slot_ = std::numeric_limits<size_t>::max();
};

// Shared objects: unsafe; use only on the shard's thread (Run() is spawned there).
class ConnectionSweep {
 public:
  ConnectionSweep(fanout::Shard& shard, const Clock& clock, absl::Duration interval);
  ConnectionSweep(const ConnectionSweep&) = delete;
  ConnectionSweep& operator=(const ConnectionSweep&) = delete;

  fanout::Shard& shard() { return shard_; }
  const Clock& clock() const { return clock_; }

  // Visits the connections every interval until Stop().
  boost::asio::awaitable<void> Run();

  // Starts visiting `connection`. After DrainAll() it is drained at once, after Stop()
  // aborted at once, so a connection accepted during shutdown does not linger.
  void Add(SweptConnection* connection);
  void Remove(SweptConnection* connection);
  size_t size() const { return connections_.size(); }

  // Drain() on every connection, now and for any added later.
  void DrainAll();
  // Ends Run() and aborts every connection, now and for any added later.
  void Stop();

 private:
  fanout::Shard& shard_;
  const Clock& clock_;
  const absl::Duration interval_;
  boost::asio::steady_timer timer_;
  std::vector<SweptConnection*> connections_;
  bool draining_ = false;
  bool stopped_ = false;
};

// Registers a connection with a sweep for the registration's scope.
class SweepRegistration {
 public:
  SweepRegistration(ConnectionSweep& sweep, SweptConnection* connection)
      : sweep_(sweep), connection_(connection) {
    sweep_.Add(connection_);
  }
  ~SweepRegistration() { sweep_.Remove(connection_); }
  SweepRegistration(const SweepRegistration&) = delete;
  SweepRegistration& operator=(const SweepRegistration&) = delete;

 private:
  ConnectionSweep& sweep_;
  SweptConnection* connection_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CONNECTION_SWEEP_H_
