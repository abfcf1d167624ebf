// herald.v1.AdminService on the gRPC callback API: stats, connections, drain. Every method
// needs the admin role.
//
//   AdminService admin(env, [&] { server->GetHealthCheckService()->SetServingStatus(false); });
//   builder.RegisterService(&admin);
#ifndef HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_
#define HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_

#include <functional>

#include "api/herald/v1/admin.grpc.pb.h"
#include "broker/control/service_environment.h"

namespace herald::control {

// Thread-safe.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  // `env` must outlive the service. `on_drain` runs on each Drain call, after the drain flag
  // is set (it flips the health service to NOT_SERVING).
  AdminService(ServiceEnvironment& env, std::function<void()> on_drain)
      : env_(env), on_drain_(std::move(on_drain)) {}

  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::GetStatsResponse* response) override;
  grpc::ServerUnaryReactor* ListConnections(grpc::CallbackServerContext* context,
                                            const v1::ListConnectionsRequest* request,
                                            v1::ListConnectionsResponse* response) override;
  grpc::ServerUnaryReactor* DisconnectConnection(
      grpc::CallbackServerContext* context, const v1::DisconnectConnectionRequest* request,
      v1::DisconnectConnectionResponse* response) override;
  grpc::ServerUnaryReactor* Drain(grpc::CallbackServerContext* context,
                                  const v1::DrainRequest* request,
                                  v1::DrainResponse* response) override;

 private:
  ServiceEnvironment& env_;
  std::function<void()> on_drain_;
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_
