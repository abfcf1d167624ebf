// The gRPC control plane: TopicService, PublishService, SubscribeService, AdminService, the
// standard grpc.health.v1.Health service and server reflection, on one port.
//
//   HERALD_ASSIGN_OR_RETURN(std::unique_ptr<ControlServer> server,
//                           ControlServer::Start(options, engine, shards, sessions,
//                                                metrics, SystemClock()));
//   std::cout << "listening on " << server->port();
//   server->Shutdown();  // before the shards stop
#ifndef HERALD_BROKER_CONTROL_CONTROL_SERVER_H_
#define HERALD_BROKER_CONTROL_CONTROL_SERVER_H_

#include <atomic>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "broker/control/options.h"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/core/mutex.h"
#include "broker/fanout/shard.h"
#include "broker/observe/metrics.h"
#include "broker/session/session_registry.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"

namespace herald::control {

class TopicService;
class PublishService;
class SubscribeService;
class AdminService;
class ControlStats;
struct ServiceEnvironment;

// Thread-safe.
class ControlServer {
 public:
  // Listens and serves until Shutdown(). `engine`, `shards`, `sessions` and `clock` must
  // outlive the server, and the shards must keep running until Shutdown() returns. The server
  // drains with the node (`sessions.Drain()`): health reports NOT_SERVING and new streams are
  // refused first, then open streams end with UNAVAILABLE (publish streams once the acks of
  // what they sent are written). InvalidArgument for
  // unreadable TLS files or half a TLS configuration; Unavailable when the port cannot be
  // bound.
  static absl::StatusOr<std::unique_ptr<ControlServer>> Start(
      ControlOptions options, Engine& engine, fanout::ShardPool& shards,
      session::SessionRegistry& sessions, observe::Metrics& metrics, const Clock& clock);
  // Shuts down if still serving.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const { return port_; }

  // Refuses new streams and reports NOT_SERVING, then lets in-flight calls finish for
  // options.shutdown_grace before cancelling them, and returns once every call is done and freed.
  // Idempotent. Not from a shard's thread (it waits for every shard).
  void Shutdown();

  // Whether the engine can store publishes (Engine::SetReadinessListener): health reports
  // SERVING only while it can and the node is not draining. Any thread.
  void SetEngineReady(bool ready);

 private:
  ControlServer();
  // The node drains: NOT_SERVING, refuse new streams. Any thread.
  void StopAccepting();

  ControlOptions options_;
  fanout::ShardPool* shards_ = nullptr;
  int port_ = 0;
  bool shut_down_ = false;
  std::unique_ptr<auth::ApiKeyAuthenticator> auth_;
  std::unique_ptr<ControlStats> stats_;
  std::unique_ptr<ServiceEnvironment> env_;
  std::unique_ptr<TopicService> topic_service_;
  std::unique_ptr<PublishService> publish_service_;
  std::unique_ptr<SubscribeService> subscribe_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  // Set once the server is built; read by AdminService.Drain on gRPC's threads.
  std::atomic<grpc::HealthCheckServiceInterface*> health_{nullptr};
  // Orders health changes: a drain's NOT_SERVING is never overwritten by the engine's.
  Mutex health_mu_;
  // Last: removed first, before anything it refers to.
  std::optional<session::DrainHook> drain_hook_;
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_CONTROL_SERVER_H_
