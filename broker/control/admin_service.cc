#include "broker/control/admin_service.h"

#include <string>

#include "absl/strings/str_format.h"
#include "broker/control/grpc_status.h"
#include "broker/core/status_macros.h"

namespace herald::control {
namespace {

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp& out) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  out.set_seconds(seconds);
  out.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::GetStats(grpc::CallbackServerContext* context,
                                                 const v1::GetStatsRequest* /*request*/,
                                                 v1::GetStatsResponse* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kAdminister));
    const absl::Time now = env_.clock.Now();
    response->set_topics(env_.engine.TopicCount());
    // Every transport appears, with 0 when idle, so scripts need not special-case it.
    (*response->mutable_connections())["grpc"] = 0;
    if (env_.options.other_connections) {
      for (const auto& [transport, count] : env_.options.other_connections()) {
        (*response->mutable_connections())[transport] = count;
      }
    }
    for (const auto& [transport, count] : env_.connections.CountByTransport()) {
      (*response->mutable_connections())[transport] = count;
    }
    response->set_events_published_total(env_.stats.published());
    response->set_publish_rate(env_.stats.PublishRate(now));
    response->set_events_delivered_total(env_.stats.delivered());
    response->set_uptime_seconds(absl::ToDoubleSeconds(env_.stats.Uptime(now)));
    response->set_draining(env_.draining.load());
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* AdminService::ListConnections(grpc::CallbackServerContext* context,
                                                        const v1::ListConnectionsRequest* request,
                                                        v1::ListConnectionsResponse* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kAdminister));
    for (const ConnectionSnapshot& snapshot :
         env_.connections.List(request->topic(), request->transport())) {
      v1::Connection* connection = response->add_connections();
      connection->set_id(snapshot.id);
      connection->set_transport(snapshot.info.transport);
      connection->set_kind(snapshot.info.kind);
      connection->set_peer(snapshot.info.peer);
      for (const std::string& topic : snapshot.info.topics) connection->add_topics(topic);
      SetTimestamp(snapshot.info.connected_at, *connection->mutable_connected_at());
      connection->set_events(snapshot.events);
    }
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* AdminService::DisconnectConnection(
    grpc::CallbackServerContext* context, const v1::DisconnectConnectionRequest* request,
    v1::DisconnectConnectionResponse* /*response*/) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kAdminister));
    if (request->id().empty()) {
      return absl::InvalidArgumentError("id is required; see heraldctl connections list");
    }
    // Not an error code that makes clients retry blindly: they were told to go, and resume
    // from their cursor where they reconnect.
    const std::string reason =
        request->reason().empty()
            ? std::string("disconnected by an operator; reconnect and resume from your cursor")
            : absl::StrFormat("disconnected by an operator: %s", request->reason());
    return env_.connections.Disconnect(request->id(), absl::UnavailableError(reason));
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* AdminService::Drain(grpc::CallbackServerContext* context,
                                              const v1::DrainRequest* /*request*/,
                                              v1::DrainResponse* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kAdminister));
    env_.draining.store(true);
    if (on_drain_) on_drain_();
    response->set_closed_connections(env_.connections.DisconnectAll(absl::UnavailableError(
        "this node is draining; connect to another node and resume from your last cursor")));
    return absl::OkStatus();
  };
  return Answer(context, run());
}

}  // namespace herald::control
