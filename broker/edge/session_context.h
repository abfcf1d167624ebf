// What a browser session needs from the server that accepted it.
#ifndef HERALD_BROKER_EDGE_SESSION_CONTEXT_H_
#define HERALD_BROKER_EDGE_SESSION_CONTEXT_H_

#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/fanout/shard.h"
#include "broker/session/access.h"
#include "broker/session/session_registry.h"

namespace herald::edge {

// One per shard, held by reference by every session of the shard: everything here outlives
// every session (the EdgeServer waits for them all to end).
struct SessionContext {
  const EdgeOptions& options;
  Engine& engine;
  fanout::Shard& shard;
  // The session layer's table of this shard: sessions join it for their life.
  session::ShardSessions& sessions;
  EdgeMetrics& metrics;
};

// session::CheckAccess, counting a refusal on /metrics (topic_not_granted).
inline absl::Status CheckGranted(const SessionContext& context, const auth::BrowserGrant* grant,
                                 std::string_view topic, session::Access access) {
  absl::Status allowed = session::CheckAccess(grant, topic, access);
  if (!allowed.ok()) {
    context.metrics.Refuse(Refusal::kTopicNotGranted);
  }
  return allowed;
}

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_SESSION_CONTEXT_H_
