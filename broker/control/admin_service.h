// herald.v1.AdminService on the gRPC callback API: stats, connections, drain. Every method
// needs the admin role.
//
//   AdminService admin(env);
//   builder.RegisterService(&admin);
#ifndef HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_
#define HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_

#include "api/herald/v1/admin.grpc.pb.h"
#include "broker/control/service_environment.h"

namespace herald::control {

// Thread-safe.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  // `env` must outlive the service. Connections are the node's sessions of every transport;
  // Drain drains the node (env.sessions), not only the control plane.
  explicit AdminService(ServiceEnvironment& env) : env_(env) {}

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
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_ADMIN_SERVICE_H_
