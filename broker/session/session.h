// A streaming connection of the node, whatever its transport, as the session layer drives it:
// listed and kicked by operators, swept for its timers, drained with the node. The edge's
// connections in their HTTP phase are swept and drained too, but are not sessions yet: they
// are never listed or counted.
//
//   class SseSession final : public session::Session { ... };
//   registry.shard(shard_id).Add(this, session::Transport::kSse);   // on the shard
//   registry.shard(shard_id).Remove(this);                         // before it dies
#ifndef HERALD_BROKER_SESSION_SESSION_H_
#define HERALD_BROKER_SESSION_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "broker/session/close_reason.h"

namespace herald::session {

enum class Transport : uint8_t {
  // An edge connection before its first stream request: swept and drained, never listed.
  kHttp,
  kSse,
  kWs,
  kGrpc,
};
inline constexpr size_t kTransports = 4;

// The transports whose sessions are listed and counted.
inline constexpr Transport kStreamingTransports[] = {Transport::kSse, Transport::kWs,
                                                     Transport::kGrpc};

// "http", "sse", "ws", "grpc": the names of AdminService's connections and GetStats.
std::string_view TransportName(Transport transport);

// What ListConnections shows of one session.
struct SessionSnapshot {
  std::string id;
  Transport transport = Transport::kHttp;
  // "subscribe" or "publish_stream".
  std::string kind;
  // The client's address as the transport reports it.
  std::string peer;
  // Whom the credentials name (a token's `sub`); empty when none are checked.
  std::string subject;
  std::vector<std::string> topics;
  absl::Time opened_at;
  // Events sent (subscribers) or acknowledged (publishers).
  uint64_t delivered = 0;
  // Bytes waiting in the session's outbound queue.
  uint64_t queued_bytes = 0;
};

// Every call comes on the shard thread the session was added on, never from inside a
// fanout::Delivery call, so implementations may tear down their subscription there.
class Session {
 public:
  // slot_ of a session in no table.
  static constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();

  virtual ~Session() = default;

  // Fills what only the session knows: kind, peer, subject, topics and counts.
  virtual void Describe(SessionSnapshot& out) const = 0;
  // About every sweep interval, with the clock's time: heartbeats, pings, deadlines.
  virtual void OnSweep(absl::Time /*now*/) {}
  // The node drains: tell the client to reconnect elsewhere, flush, then close.
  virtual void Drain() = 0;
  // An operator ends the session: the client is shown `reason`, then the session closes.
  virtual void Disconnect(const absl::Status& reason) = 0;
  // Close now; pending operations complete with operation_aborted.
  virtual void Abort() = 0;

  // Records why the session ends, before it closes: the first reason noted wins (a slow
  // consumer's close is not a client close when its socket then fails). Node-wide endings
  // (kicks, drains, stops) are noted by ShardSessions.
  void NoteClose(CloseReason reason) {
    if (close_reason_ == CloseReason::kClientClosed) close_reason_ = reason;
  }
  CloseReason close_reason() const { return close_reason_; }

 private:
  friend class ShardSessions;
  // Packed: every idle connection carries these (24 bytes).
  uint64_t id_ = 0;
  // Whole seconds, as listings show them.
  int64_t opened_at_unix_seconds_ = 0;
  uint32_t slot_ = kNoSlot;
  Transport transport_ = Transport::kHttp;
  CloseReason close_reason_ = CloseReason::kClientClosed;
};

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_SESSION_H_
