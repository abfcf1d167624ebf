// herald.v1.SubscribeService on the gRPC callback API.
//
// Each Subscribe stream is a fanout::Delivery living on one shard: the shard's
// replay-then-live Subscription feeds a bounded queue, which the reactor drains with one
// StartWrite in flight. A stream whose queue fills with live events is ended with
// RESOURCE_EXHAUSTED; the client resumes from the id of the last event it received.
//
//   SubscribeService subscribe(env);
//   builder.RegisterService(&subscribe);
#ifndef HERALD_BROKER_CONTROL_SUBSCRIBE_SERVICE_H_
#define HERALD_BROKER_CONTROL_SUBSCRIBE_SERVICE_H_

#include "api/herald/v1/subscribe.grpc.pb.h"
#include "broker/control/service_environment.h"

namespace herald::control {

// Thread-safe.
class SubscribeService final : public v1::SubscribeService::CallbackService {
 public:
  // `env` must outlive the service and every stream it started.
  explicit SubscribeService(ServiceEnvironment& env) : env_(env) {}

  grpc::ServerWriteReactor<v1::Event>* Subscribe(grpc::CallbackServerContext* context,
                                                 const v1::SubscribeRequest* request) override;

 private:
  ServiceEnvironment& env_;
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_SUBSCRIBE_SERVICE_H_
