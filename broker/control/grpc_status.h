// The control plane's one boundary mapping: absl::Status (between Herald's layers) to
// grpc::Status (on the wire). The codes are the same canonical codes; messages pass through
// unchanged, since every layer already writes them for a person to act on.
//
//   reactor->Finish(ToGrpcStatus(engine.DeleteTopic(name)));
#ifndef HERALD_BROKER_CONTROL_GRPC_STATUS_H_
#define HERALD_BROKER_CONTROL_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace herald::control {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_GRPC_STATUS_H_
