// The sessions of one shard: one table that the sweep walks for every connection's timers
// (no timer per connection: a pointer each), that the node's drain and stop walk, and that
// operators' listings and kicks visit. Owned by the SessionRegistry, one per shard.
//
//   ShardSessions& sessions = registry.shard(shard.id());
//   sessions.Add(this, Transport::kSse);   // on the shard, for the session's life
//   sessions.Remove(this);
#ifndef HERALD_BROKER_SESSION_SHARD_SESSIONS_H_
#define HERALD_BROKER_SESSION_SHARD_SESSIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/steady_timer.hpp"
#include "broker/core/clock.h"
#include "broker/fanout/shard.h"
#include "broker/session/session.h"

namespace herald::session {

class SessionRegistry;

// "c00000042": how listings and logs name the session with `id`.
std::string SessionId(uint64_t id);

// Which transports an abort covers.
struct TransportSet {
  uint8_t bits = 0;
  static TransportSet Of(std::initializer_list<Transport> transports);
  static TransportSet All() { return {0xff}; }
  bool Has(Transport t) const { return (bits >> static_cast<int>(t)) & 1; }
};

// Shared objects: unsafe; use only on the shard's thread.
class ShardSessions {
 public:
  ShardSessions(SessionRegistry& registry, fanout::Shard& shard, const Clock& clock,
                absl::Duration sweep_interval, absl::Duration drain_timeout);
  ShardSessions(const ShardSessions&) = delete;
  ShardSessions& operator=(const ShardSessions&) = delete;

  fanout::Shard& shard() { return shard_; }
  const Clock& clock() const { return clock_; }
  SessionRegistry& registry() { return registry_; }

  // Starts driving `session`, gives it its id and opening time. Once the node drains a
  // session added is drained at once; once its transport is aborted, aborted at once, so a
  // connection accepted during shutdown does not linger.
  void Add(Session* session, Transport transport);
  // An HTTP-phase connection that became a stream of `transport`: listed and counted from
  // now on, under a new id and opening time, and drained or aborted at once if the node is.
  void Promote(Session* session, Transport transport);
  // Idempotent. Counts the close under the reason the session noted (Session::NoteClose)
  // and logs it: the one place sessions end.
  void Remove(Session* session);
  size_t size() const { return sessions_.size(); }

  // What the registry runs on this shard.
  // Visits the sessions every sweep interval until Stop().
  boost::asio::awaitable<void> Run();
  // Drain() on every session, now and for any added later; whatever is still open after the
  // drain timeout is aborted by the sweep.
  void Drain();
  // Abort() on every session of `transports`, now and for any added later.
  void Abort(TransportSet transports);
  // Ends Run() and aborts every session.
  void Stop();
  // Appends the streams that follow `topic` (empty: any) over `transport` (nullopt: any).
  void AppendSnapshots(std::string_view topic, std::optional<Transport> transport,
                       std::vector<SessionSnapshot>& out) const;
  // False when no session here has `id`.
  bool Disconnect(uint64_t id, const absl::Status& reason);

 private:
  // Gives `session`, already in the table, its transport, id and opening time.
  void Open(Session* session, Transport transport);
  // Counts and logs the end of `session`, just removed.
  void Ended(const Session& session);

  SessionRegistry& registry_;
  fanout::Shard& shard_;
  const Clock& clock_;
  const absl::Duration interval_;
  const absl::Duration drain_timeout_;
  boost::asio::steady_timer timer_;
  std::vector<Session*> sessions_;
  // Set by Drain(): the sweep aborts what is left from then on.
  std::optional<absl::Time> drain_deadline_;
  TransportSet aborted_;
  bool stopped_ = false;
};

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_SHARD_SESSIONS_H_
