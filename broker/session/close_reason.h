// Why a session ended: one vocabulary for every transport, read in one place (ShardSessions::
// Remove) by the close counters and the close log line. A new reason is one line in
// HERALD_CLOSE_REASONS; its name is what metrics and logs show.
//
//   session.NoteClose(session::CloseReason::kSlowConsumer);   // before closing
//   CloseReasonName(CloseReason::kSlowConsumer)                // "slow_consumer"
#ifndef HERALD_BROKER_SESSION_CLOSE_REASON_H_
#define HERALD_BROKER_SESSION_CLOSE_REASON_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/core/named_enum.h"

namespace herald::session {

// X(enumerator, name). The first is the default: a session that notes nothing else was ended
// by its client.
#define HERALD_CLOSE_REASONS(X)                                                  \
  X(kClientClosed, "client_closed")         /* the client ended the stream */    \
  X(kSlowConsumer, "slow_consumer")         /* its outbound queue overflowed */  \
  X(kPingTimeout, "ping_timeout")           /* WebSocket pongs missed */         \
  X(kHandshakeTimeout, "handshake_timeout") /* no request head in time */        \
  X(kIdleTimeout, "idle_timeout")           /* keep-alive wait ran out */        \
  X(kKicked, "kicked")                      /* an operator disconnected it */    \
  X(kDrained, "drained")                    /* the node drained */               \
  X(kServerStopped, "server_stopped")       /* the server stopped */             \
  X(kRateLimit, "rate_limit")               /* WebSocket message or byte rate */ \
  X(kTokenExpired, "token_expired")         /* its access token expired */       \
  X(kProtocolError, "protocol_error")       /* bad frames or messages */         \
  X(kError, "error")                        /* a socket or stream error */

enum class CloseReason : uint8_t { HERALD_CLOSE_REASONS(HERALD_ENUMERATOR) };
inline constexpr std::string_view kCloseReasonNames[] = {
    HERALD_CLOSE_REASONS(HERALD_ENUMERATOR_NAME)};
inline constexpr size_t kCloseReasons = std::size(kCloseReasonNames);

inline std::string_view CloseReasonName(CloseReason reason) {
  return kCloseReasonNames[static_cast<size_t>(reason)];
}

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_CLOSE_REASON_H_
