#include "broker/control/admin_service.h"

#include <optional>
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

// The transport filter of ListConnections: empty for all.
absl::StatusOr<std::optional<session::Transport>> TransportFilter(const std::string& name) {
  if (name.empty()) return std::nullopt;
  for (session::Transport t : session::kStreamingTransports) {
    if (session::TransportName(t) == name) return t;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("transport '%s' is not one of sse, ws, grpc (or empty for all)", name));
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
    for (const auto& [transport, count] : env_.sessions.OpenByTransport()) {
      (*response->mutable_connections())[transport] = count;
    }
    response->set_events_published_total(env_.stats.published());
    response->set_publish_rate(env_.stats.PublishRate(now));
    response->set_events_delivered_total(env_.sessions.delivered_total());
    response->set_uptime_seconds(absl::ToDoubleSeconds(env_.stats.Uptime(now)));
    response->set_draining(env_.sessions.draining());
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* AdminService::ListConnections(grpc::CallbackServerContext* context,
                                                        const v1::ListConnectionsRequest* request,
                                                        v1::ListConnectionsResponse* response) {
  absl::Status allowed = env_.Authorize(*context, auth::Action::kAdminister);
  if (!allowed.ok()) return Answer(context, allowed);
  absl::StatusOr<std::optional<session::Transport>> transport =
      TransportFilter(request->transport());
  if (!transport.ok()) return Answer(context, transport.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Every shard describes its own sessions; the answer goes once the last one has.
  env_.sessions.List(
      request->topic(), *transport,
      [reactor, response](std::vector<session::SessionSnapshot> snapshots) {
        for (const session::SessionSnapshot& snapshot : snapshots) {
          v1::Connection* connection = response->add_connections();
          connection->set_id(snapshot.id);
          connection->set_transport(std::string(session::TransportName(snapshot.transport)));
          connection->set_kind(snapshot.kind);
          connection->set_peer(snapshot.peer);
          for (const std::string& topic : snapshot.topics) connection->add_topics(topic);
          SetTimestamp(snapshot.opened_at, *connection->mutable_connected_at());
          connection->set_events(snapshot.delivered);
          connection->set_subject(snapshot.subject);
          connection->set_queued_bytes(snapshot.queued_bytes);
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::DisconnectConnection(
    grpc::CallbackServerContext* context, const v1::DisconnectConnectionRequest* request,
    v1::DisconnectConnectionResponse* /*response*/) {
  absl::Status allowed = env_.Authorize(*context, auth::Action::kAdminister);
  if (!allowed.ok()) return Answer(context, allowed);
  if (request->id().empty()) {
    return Answer(context,
                  absl::InvalidArgumentError("id is required; see heraldctl connections list"));
  }
  // Not an error code that makes clients retry blindly: they were told to go, and resume
  // from their cursor where they reconnect.
  const std::string reason =
      request->reason().empty()
          ? std::string("disconnected by an operator; reconnect and resume from your cursor")
          : absl::StrFormat("disconnected by an operator: %s", request->reason());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  env_.sessions.Disconnect(
      request->id(), absl::UnavailableError(reason),
      [reactor](absl::Status status) { reactor->Finish(ToGrpcStatus(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Drain(grpc::CallbackServerContext* context,
                                              const v1::DrainRequest* /*request*/,
                                              v1::DrainResponse* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kAdminister));
    response->set_closed_connections(env_.sessions.Drain());
    return absl::OkStatus();
  };
  return Answer(context, run());
}

}  // namespace herald::control
