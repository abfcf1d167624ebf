#include "admin/node_commands.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "admin/invocation.h"
#include "admin/output.h"
#include "admin/table.h"
#include "api/grpc/health/v1/health.grpc.pb.h"
#include "api/herald/v1/admin.grpc.pb.h"

namespace herald::admin {
namespace {

struct ConnectionsFlags {
  std::string topic;
  std::string transport;
  std::string id;
  std::string reason;
};

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::optional<Failure> Health(const ControlPlane& plane, Printer& out) {
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub(plane.channel())
                            ->Check(plane.NewCall().get(), request, &response);
  if (!status.ok()) return plane.FromStatus(status);
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (out.structured()) {
    out.Print(OneField("status", name));
  } else {
    out.PrintLine(name);
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return Failure{name, "the server is not accepting work (draining or starting)"};
  }
  return std::nullopt;
}

Table StatsTable(const v1::GetStatsResponse& stats) {
  Table table({"STAT", "VALUE"});
  table.AddRow({"topics", absl::StrCat(stats.topics())});
  const std::map<std::string, uint64_t> connections(stats.connections().begin(),
                                                    stats.connections().end());
  for (const auto& [transport, count] : connections) {
    table.AddRow({"connections." + transport, absl::StrCat(count)});
  }
  table.AddRow({"events_published_total", absl::StrCat(stats.events_published_total())});
  table.AddRow({"publish_rate", absl::StrFormat("%.2f/s", stats.publish_rate())});
  table.AddRow({"events_delivered_total", absl::StrCat(stats.events_delivered_total())});
  table.AddRow({"uptime", absl::FormatDuration(absl::Trunc(absl::Seconds(stats.uptime_seconds()),
                                                           absl::Seconds(1)))});
  table.AddRow({"draining", stats.draining() ? "yes" : "no"});
  return table;
}

std::optional<Failure> Stats(const ControlPlane& plane, Printer& out) {
  v1::GetStatsResponse stats;
  grpc::Status status =
      v1::AdminService::NewStub(plane.channel())->GetStats(plane.NewCall().get(), {}, &stats);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(stats);
  } else {
    out.Print(StatsTable(stats));
  }
  return std::nullopt;
}

Table ConnectionTable(const v1::ListConnectionsResponse& list, bool wide) {
  std::vector<std::string> headers = {"ID",    "TRANSPORT", "KIND",  "PEER",
                                      "SINCE", "EVENTS",    "TOPICS"};
  if (wide) headers.insert(headers.end(), {"SUBJECT", "QUEUED_BYTES"});
  Table table(headers);
  for (const v1::Connection& c : list.connections()) {
    std::vector<std::string> row = {c.id(),
                                    c.transport(),
                                    c.kind(),
                                    c.peer(),
                                    FormatTime(c.connected_at()),
                                    absl::StrCat(c.events()),
                                    absl::StrJoin(c.topics(), ",")};
    if (wide) row.insert(row.end(), {c.subject(), absl::StrCat(c.queued_bytes())});
    table.AddRow(std::move(row));
  }
  return table;
}

std::optional<Failure> ListConnections(const ConnectionsFlags& flags, const ControlPlane& plane,
                                       Printer& out) {
  v1::ListConnectionsRequest request;
  request.set_topic(flags.topic);
  request.set_transport(flags.transport);
  v1::ListConnectionsResponse response;
  grpc::Status status = v1::AdminService::NewStub(plane.channel())
                            ->ListConnections(plane.NewCall().get(), request, &response);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(response);
  } else {
    out.Print(ConnectionTable(response, out.wide()));
  }
  return std::nullopt;
}

std::optional<Failure> Kick(const ConnectionsFlags& flags, const ControlPlane& plane,
                            Printer& out) {
  v1::DisconnectConnectionRequest request;
  request.set_id(flags.id);
  request.set_reason(flags.reason);
  v1::DisconnectConnectionResponse response;
  grpc::Status status = v1::AdminService::NewStub(plane.channel())
                            ->DisconnectConnection(plane.NewCall().get(), request, &response);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(OneField("disconnected", flags.id));
  } else {
    out.PrintLine("disconnected " + flags.id);
  }
  return std::nullopt;
}

std::optional<Failure> Drain(const ControlPlane& plane, Printer& out) {
  v1::DrainResponse response;
  grpc::Status status =
      v1::AdminService::NewStub(plane.channel())->Drain(plane.NewCall().get(), {}, &response);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(response);
  } else {
    out.PrintLine(absl::StrFormat("draining; %d open streams told to reconnect elsewhere",
                                  response.closed_connections()));
  }
  return std::nullopt;
}

void AddConnections(CLI::App& root, CommandSet& commands) {
  CLI::App& connections =
      commands.AddGroup(root, "connections", "list or disconnect streaming clients");
  connections.footer("Needs an admin key.");
  auto flags = std::make_shared<ConnectionsFlags>();
  CLI::App& list = commands.Add(connections, "list", "list open streams of every transport",
                                Remote([flags](const ControlPlane& plane, Printer& out) {
                                  return ListConnections(*flags, plane, out);
                                }));
  list.add_option("--topic", flags->topic, "only streams following this topic")->type_name("TOPIC");
  AddChoice(list, "--transport", flags->transport,
            std::vector<std::pair<std::string, std::string>>{
                {"grpc", "grpc"}, {"sse", "sse"}, {"ws", "ws"}},
            "only streams of this transport");
  CLI::App& kick = commands.Add(connections, "kick",
                                "disconnect a client, which is told to reconnect and resume",
                                Remote([flags](const ControlPlane& plane, Printer& out) {
                                  return Kick(*flags, plane, out);
                                }));
  kick.add_option("ID", flags->id, "the connection, as connections list shows it")->required();
  kick.add_option("--reason", flags->reason, "told to the client")->type_name("TEXT");
}

}  // namespace

void AddNodeCommands(CLI::App& root, CommandSet& commands) {
  commands.Add(root, "health", "the server's readiness: SERVING, or NOT_SERVING (exit status 1)",
               Remote(Health));
  commands
      .Add(root, "stats", "the node's counters: topics, connections, events, publish rate, uptime",
           Remote(Stats))
      .footer("Needs an admin key.");
  AddConnections(root, commands);
  commands
      .Add(root, "drain", "stop accepting streams and send their clients elsewhere", Remote(Drain))
      .footer(
          "Health turns NOT_SERVING and open streams end, so that their clients reconnect to "
          "another node. Unary calls are still served. Needs an admin key.");
}

}  // namespace herald::admin
