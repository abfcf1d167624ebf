// What a browser session needs from the server that accepted it.
#ifndef HERALD_BROKER_EDGE_SESSION_CONTEXT_H_
#define HERALD_BROKER_EDGE_SESSION_CONTEXT_H_

#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/edge/connection_sweep.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/fanout/shard.h"

namespace herald::edge {

// Everything here outlives every session (the EdgeServer waits for them all to end).
struct SessionContext {
  const EdgeOptions& options;
  Engine& engine;
  fanout::Shard& shard;
  ConnectionSweep& sweep;
  EdgeMetrics& metrics;
  // What the request's access token grants; null when the edge checks no tokens.
  const auth::BrowserGrant* grant = nullptr;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_SESSION_CONTEXT_H_
