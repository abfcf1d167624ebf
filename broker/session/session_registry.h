// Every session of the node (SSE, WebSocket and gRPC streams) and the node's one drain.
// Transports add their sessions to the table of the shard they live on; operators list and
// kick them through AdminService; SIGTERM, AdminService.Drain and herald::Broker all drain
// the node through Drain().
//
//   SessionRegistry registry(shards, clock, {.drain_timeout = absl::Seconds(10)});
//   DrainHook hook(registry, [&] { acceptor.close(); });   // stop accepting, not ready
//   registry.shard(shard.id()).Add(&session, Transport::kSse);
//   registry.Drain();                                         // everyone is told to go
//   registry.WaitUntilNoSessions(absl::Seconds(10));
#ifndef HERALD_BROKER_SESSION_SESSION_REGISTRY_H_
#define HERALD_BROKER_SESSION_SESSION_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "broker/core/clock.h"
#include "broker/core/mutex.h"
#include "broker/fanout/shard.h"
#include "broker/session/close_reason.h"
#include "broker/session/session.h"
#include "broker/session/shard_sessions.h"
#include "broker/session/task_count.h"

namespace herald::session {

struct RegistryOptions {
  // How often every session's timers are looked at (heartbeats, pings, deadlines).
  absl::Duration sweep_interval = absl::Seconds(1);
  // How long drained sessions get to leave before they are aborted.
  absl::Duration drain_timeout = absl::Seconds(10);
};

using ListDone = absl::AnyInvocable<void(std::vector<SessionSnapshot>) &&>;
using DisconnectDone = absl::AnyInvocable<void(absl::Status) &&>;

// Thread-safe. The shards must run until Stop() (or the destructor) returns.
class SessionRegistry {
 public:
  // Starts one sweep per shard.
  SessionRegistry(fanout::ShardPool& shards, const Clock& clock, RegistryOptions options);
  // Stop().
  ~SessionRegistry();
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // The table of the shard with `id`; use it on that shard only.
  ShardSessions& shard(size_t id) { return *tables_[id]; }
  const RegistryOptions& options() const { return options_; }

  // Takes the node out of service, in this order: draining() turns true (the edge answers
  // /readyz with 503 and refuses new streams) and the drain hooks run (gRPC health
  // NOT_SERVING, new gRPC streams refused), then every session is told
  // to reconnect elsewhere (SSE `retry:` and close, WebSocket 1012, gRPC UNAVAILABLE) on its
  // shard; past the drain timeout the rest are aborted. Returns at once with how many
  // sessions were told. Idempotent (later calls return 0).
  size_t Drain();
  bool draining() const { return draining_.load(); }
  // True once no session is left; false after `timeout`.
  bool WaitUntilNoSessions(absl::Duration timeout) const;
  // Aborts every session of `transports`, now and any added later (a server stopping).
  void Abort(TransportSet transports);
  // Aborts everything, ends the sweeps and waits for them. Idempotent.
  void Stop();

  // Ordered by id. `done` runs on a shard thread once every shard has answered.
  void List(std::string topic, std::optional<Transport> transport, ListDone done);
  // NotFound when no open session has `id`. `done` runs on a shard thread.
  void Disconnect(std::string id, absl::Status reason, DisconnectDone done);

  // Open sessions per transport name, every streaming transport present (0 when idle).
  std::map<std::string, uint64_t> OpenByTransport() const;
  size_t open_sessions() const;
  // Events delivered to subscribers of `transport` since start (sessions count them as they
  // write, not per event).
  void RecordDelivered(Transport transport, uint64_t events) {
    delivered_[Index(transport)].fetch_add(events, std::memory_order_relaxed);
  }
  uint64_t delivered(Transport transport) const {
    return delivered_[Index(transport)].load(std::memory_order_relaxed);
  }
  uint64_t delivered_total() const;

  // Sessions of `transport` opened since start (streaming transports).
  uint64_t opened(Transport transport) const {
    return opened_[Index(transport)].load(std::memory_order_relaxed);
  }
  // Sessions of `transport` that ended for `reason` since start (see ShardSessions::Remove).
  uint64_t closed(Transport transport, CloseReason reason) const {
    return closed_[Index(transport)][static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
  // Streams that ended without delivering an event: heartbeats, at most.
  uint64_t closed_without_events(Transport transport) const {
    return closed_without_events_[Index(transport)].load(std::memory_order_relaxed);
  }
  // A session whose queue went undrained for longer than its heartbeat interval; once per
  // stall.
  void RecordStall(Transport transport) {
    stalls_[Index(transport)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t stalls(Transport transport) const {
    return stalls_[Index(transport)].load(std::memory_order_relaxed);
  }

 private:
  friend class ShardSessions;
  friend class DrainHook;
  static size_t Index(Transport t) { return static_cast<size_t>(t); }
  // Runs `task` on every shard with its table, without waiting.
  void PostToEveryTable(std::function<void(ShardSessions&)> task);
  // Runs `visit` on every shard and `finish` once, on the shard that answers last.
  template <typename State>
  void VisitEveryTable(std::shared_ptr<State> state,
                       std::function<void(ShardSessions&, State&)> visit,
                       std::function<void(State&)> finish);
  // From the tables, on their shards.
  uint64_t Opened(Transport transport);
  void Closed(Transport transport);
  void CountClose(Transport transport, CloseReason reason, bool delivered_events);

  fanout::ShardPool& shards_;
  const RegistryOptions options_;
  std::vector<std::unique_ptr<ShardSessions>> tables_;
  std::array<std::atomic<int64_t>, kTransports> open_{};
  std::array<std::atomic<uint64_t>, kTransports> delivered_{};
  std::array<std::atomic<uint64_t>, kTransports> opened_{};
  std::array<std::array<std::atomic<uint64_t>, kCloseReasons>, kTransports> closed_{};
  std::array<std::atomic<uint64_t>, kTransports> closed_without_events_{};
  std::array<std::atomic<uint64_t>, kTransports> stalls_{};
  std::atomic<uint64_t> next_id_{1};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  TaskCount sweeps_;

  Mutex mu_;
  std::map<uint64_t, std::function<void()>> hooks_ ABSL_GUARDED_BY(mu_);
  uint64_t next_hook_ ABSL_GUARDED_BY(mu_) = 0;
};

// What a server does first when the node drains (stop accepting, report not ready), for the
// hook's scope. Runs on the thread that calls Drain(): thread-safe, quick, non-blocking.
class DrainHook {
 public:
  DrainHook(SessionRegistry& registry, std::function<void()> on_drain);
  ~DrainHook();
  DrainHook(const DrainHook&) = delete;
  DrainHook& operator=(const DrainHook&) = delete;

 private:
  SessionRegistry& registry_;
  uint64_t id_;
};

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_SESSION_REGISTRY_H_
