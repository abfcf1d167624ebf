// How heraldctl reaches the control plane: each setting from its flag (or the flag's
// environment variable), else from the selected context, else a default; then one channel
// whose calls carry the API key.
//
//   absl::StatusOr<ConnectionSettings> settings = ResolveConnection(flags, context);
//   absl::StatusOr<std::unique_ptr<ControlPlane>> plane = ControlPlane::Open(*settings);
//   auto stub = v1::TopicService::NewStub((*plane)->channel());
//   grpc::Status status = stub->GetTopic((*plane)->NewCall().get(), request, &topic);
//   if (!status.ok()) return (*plane)->FromStatus(status);
#ifndef HERALD_ADMIN_CONTROL_PLANE_H_
#define HERALD_ADMIN_CONTROL_PLANE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "admin/failure.h"
#include "admin/heraldctl.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace herald::admin {

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

// The connection flags as given; nullopt when neither the flag nor its variable is set.
struct ConnectionFlags {
  std::optional<std::string> server;
  // The API key itself (--token); an empty one sends none, whatever the context says.
  std::optional<std::string> token;
  std::optional<std::string> api_key_file;
  // --tls=false speaks plaintext even when the context has TLS files.
  std::optional<bool> tls;
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> timeout;
};

struct ConnectionSettings {
  std::string server = kDefaultServer;
  // Sent as 'authorization: Bearer <key>'; empty: none.
  std::string api_key;
  bool tls = false;
  // PEM files; empty ones are not used.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Of each unary call, and of connecting before a stream.
  absl::Duration timeout = absl::Seconds(5);
};

// Flags over `context` (may be null) over defaults. TLS is on when asked for, or when a CA or
// a client certificate is given. InvalidArgument for a bad --timeout, a certificate without
// its key (or the reverse), or an API key file that cannot be read.
absl::StatusOr<ConnectionSettings> ResolveConnection(const ConnectionFlags& flags,
                                                     const Context* context);

// A channel to one control plane. Thread-safe.
class ControlPlane {
 public:
  // InvalidArgument when a TLS file cannot be read. Connecting happens on the first call.
  static absl::StatusOr<std::unique_ptr<ControlPlane>> Open(ConnectionSettings settings);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // The context of a unary call: the API key and the deadline.
  std::unique_ptr<grpc::ClientContext> NewCall() const;
  // The context of a stream: the API key, no deadline (a tail runs until stopped).
  std::unique_ptr<grpc::ClientContext> NewStreamCall() const;

  // Before a stream: an unreachable server is reported after the timeout, not waited for.
  std::optional<Failure> WaitConnected() const;

  // A failed call as heraldctl reports it; a server that cannot be reached says where it was
  // looked for and how to point elsewhere.
  Failure FromStatus(const grpc::Status& status) const;

 private:
  ControlPlane(ConnectionSettings settings, std::shared_ptr<grpc::Channel> channel)
      : settings_(std::move(settings)), channel_(std::move(channel)) {}

  Failure Unreachable(const std::string& detail) const;

  ConnectionSettings settings_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace herald::admin

#endif  // HERALD_ADMIN_CONTROL_PLANE_H_
