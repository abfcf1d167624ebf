#include "admin/control_plane.h"

#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace herald::admin {
namespace {

// `what` names the file's role in the error ("--tls-ca", "context's api_key_file").
absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(absl::StrFormat("cannot read file '%s' (%s)", path, what));
  }
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// The key from --token, else from the file --api-key-file or the context names; a key file
// may end in a line break.
absl::StatusOr<std::string> ResolveApiKey(const ConnectionFlags& flags, const Context* context) {
  if (flags.token) return *flags.token;
  std::string path;
  std::string what;
  if (flags.api_key_file) {
    path = *flags.api_key_file;
    what = "--api-key-file";
  } else if (context != nullptr && !context->api_key_file().empty()) {
    path = context->api_key_file();
    what = "the context's api_key_file";
  } else {
    return std::string();
  }
  absl::StatusOr<std::string> key = ReadFile(path, what);
  if (!key.ok()) return key.status();
  return std::string(absl::StripAsciiWhitespace(*key));
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ConnectionSettings& settings) {
  if (!settings.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!settings.tls_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(settings.tls_ca, "TLS CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!settings.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(settings.tls_cert, "TLS client certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(settings.tls_key, "TLS client key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<ConnectionSettings> ResolveConnection(const ConnectionFlags& flags,
                                                     const Context* context) {
  const Context none;
  const Context& from = context != nullptr ? *context : none;
  ConnectionSettings settings;
  if (flags.server) {
    settings.server = *flags.server;
  } else if (!from.server().empty()) {
    settings.server = from.server();
  }
  settings.tls_ca = flags.tls_ca.value_or(from.tls_ca());
  settings.tls_cert = flags.tls_cert.value_or(from.tls_cert());
  settings.tls_key = flags.tls_key.value_or(from.tls_key());
  if (settings.tls_cert.empty() != settings.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: mutual TLS needs both");
  }
  settings.tls =
      flags.tls.value_or(from.tls() || !settings.tls_ca.empty() || !settings.tls_cert.empty());
  if (flags.timeout && (!absl::ParseDuration(*flags.timeout, &settings.timeout) ||
                        settings.timeout <= absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--timeout is '%s'; use a duration like 5s", *flags.timeout));
  }
  absl::StatusOr<std::string> key = ResolveApiKey(flags, context);
  if (!key.ok()) return key.status();
  settings.api_key = *std::move(key);
  return settings;
}

absl::StatusOr<std::unique_ptr<ControlPlane>> ControlPlane::Open(ConnectionSettings settings) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = Credentials(settings);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(settings.server, *credentials);
  return std::unique_ptr<ControlPlane>(new ControlPlane(std::move(settings), std::move(channel)));
}

std::unique_ptr<grpc::ClientContext> ControlPlane::NewCall() const {
  std::unique_ptr<grpc::ClientContext> context = NewStreamCall();
  context->set_deadline(absl::ToChronoTime(absl::Now() + settings_.timeout));
  return context;
}

std::unique_ptr<grpc::ClientContext> ControlPlane::NewStreamCall() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!settings_.api_key.empty()) {
    context->AddMetadata("authorization", "Bearer " + settings_.api_key);
  }
  return context;
}

std::optional<Failure> ControlPlane::WaitConnected() const {
  if (channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + settings_.timeout))) {
    return std::nullopt;
  }
  return Unreachable("no connection within " + absl::FormatDuration(settings_.timeout));
}

Failure ControlPlane::FromStatus(const grpc::Status& status) const {
  // gRPC's own wording for a failed connection; a server's UNAVAILABLE (draining, kicked)
  // carries its own message and is reported as is.
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (status.error_message().find("failed to connect to all addresses") != std::string::npos ||
       status.error_message().find("DNS resolution failed") != std::string::npos)) {
    return Unreachable(status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return {"DEADLINE_EXCEEDED",
            absl::StrFormat("no answer from %s within %s; is it overloaded or unreachable? "
                            "raise --timeout or check --server",
                            settings_.server, absl::FormatDuration(settings_.timeout))};
  }
  return FromStatusCode(status.error_code(), status.error_message());
}

Failure ControlPlane::Unreachable(const std::string& detail) const {
  return {"UNAVAILABLE",
          absl::StrFormat("cannot reach the Herald control plane at %s (%s); is heraldd "
                          "running there? set --server, HERALD_SERVER or a context",
                          settings_.server, detail)};
}

}  // namespace herald::admin
