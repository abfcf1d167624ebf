// herald.v1.PublishService on the gRPC callback API.
//
// Publish answers inline once the engine stored the event. PublishStream reads requests
// ahead of its acks only within ControlOptions::publish_window: a client that stops taking
// acks stops being read, so HTTP/2 flow control slows it and nobody else. While the shards
// are behind on fan-out (fanout::ShardPool::Overloaded), PublishStream stops reading and a
// unary Publish waits before it stores, so publishers cannot outrun delivery.
//
//   PublishService publish(env);
//   builder.RegisterService(&publish);
#ifndef HERALD_BROKER_CONTROL_PUBLISH_SERVICE_H_
#define HERALD_BROKER_CONTROL_PUBLISH_SERVICE_H_

#include "api/herald/v1/publish.grpc.pb.h"
#include "broker/control/service_environment.h"

namespace herald::control {

// Thread-safe.
class PublishService final : public v1::PublishService::CallbackService {
 public:
  // `env` must outlive the service and every stream it started.
  explicit PublishService(ServiceEnvironment& env) : env_(env) {}

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override;
  grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>* PublishStream(
      grpc::CallbackServerContext* context) override;

 private:
  ServiceEnvironment& env_;
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_PUBLISH_SERVICE_H_
