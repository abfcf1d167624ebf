// What every control-plane service works with: the engine, the shards, credentials checks,
// the session registry, counters and the drain flag. Owned by ControlServer, which
// outlives every call.
//
//   if (absl::Status s = env.Authorize(*context, auth::Action::kPublish); !s.ok()) ...
#ifndef HERALD_BROKER_CONTROL_SERVICE_ENVIRONMENT_H_
#define HERALD_BROKER_CONTROL_SERVICE_ENVIRONMENT_H_

#include <atomic>
#include <string_view>

#include "absl/status/status.h"
#include "broker/auth/api_keys.h"
#include "broker/control/control_stats.h"
#include "broker/control/options.h"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/fanout/shard.h"
#include "broker/observe/metrics.h"
#include "broker/session/session_registry.h"
#include "grpcpp/server_context.h"

namespace herald::control {

// Thread-safe: the references are to thread-safe objects; draining is atomic.
struct ServiceEnvironment {
  Engine& engine;
  fanout::ShardPool& shards;
  const Clock& clock;
  const ControlOptions& options;
  const auth::ApiKeyAuthenticator& auth;
  // Every stream of the node: gRPC streams join it on their home shard.
  session::SessionRegistry& sessions;
  ControlStats& stats;
  // The node's registry: publish latency, auth failures.
  observe::Metrics& metrics;
  // Set when the node drains and by Shutdown: new streams are refused with UNAVAILABLE.
  std::atomic<bool> draining{false};

  // Checks the call's `authorization` metadata for `action` on `topic` (empty: on some
  // topic): OK, Unauthenticated or PermissionDenied.
  absl::Status Authorize(const grpc::CallbackServerContext& context, auth::Action action,
                         std::string_view topic = {}) const;
  // The same, returning the caller's key (null with auth off) for checks of later topics
  // (auth::CheckPermitted); it lives as long as the server.
  absl::StatusOr<const auth::ApiKey*> AuthorizeKey(const grpc::CallbackServerContext& context,
                                                   auth::Action action) const;
  // Unavailable while draining, saying what the client should do.
  absl::Status CheckAcceptingStreams() const;
  // Counts and logs a refused credential (herald_auth_failures_total); returns `status`.
  absl::Status Refused(const grpc::CallbackServerContext& context, absl::Status status) const;

  // Whether publishers pause: this node's shards, or another node sharing the engine, are
  // behind on fan-out.
  bool FanoutBehind() const { return shards.Overloaded() || engine.PeersBehind(); }
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_SERVICE_ENVIRONMENT_H_
