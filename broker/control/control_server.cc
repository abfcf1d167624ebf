#include "broker/control/control_server.h"

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "boost/asio/post.hpp"
#include "broker/control/admin_service.h"
#include "broker/control/publish_service.h"
#include "broker/control/service_environment.h"
#include "broker/control/subscribe_service.h"
#include "broker/control/topic_service.h"
#include "broker/core/status_macros.h"
#include "broker/core/string_view.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace herald::control {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot read %s file '%s'", AbslView(what), path));
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ControlOptions& options) {
  const bool has_cert = !options.tls_cert_file.empty();
  const bool has_key = !options.tls_key_file.empty();
  if (!has_cert && !has_key) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca_file needs tls_cert_file and tls_key_file: mutual TLS is TLS first");
    }
    return grpc::InsecureServerCredentials();
  }
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "TLS needs both tls_cert_file and tls_key_file; set both or neither");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  HERALD_ASSIGN_OR_RETURN(pair.private_key, ReadFile(options.tls_key_file, "TLS key"));
  HERALD_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(options.tls_cert_file, "TLS certificate"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    HERALD_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                            ReadFile(options.tls_client_ca_file, "TLS client CA"));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

std::string ListenAddress(const ControlOptions& options) {
  // IPv6 literals need brackets before the port.
  if (options.address.find(':') != std::string::npos && options.address.front() != '[') {
    return absl::StrFormat("[%s]:%d", options.address, options.port);
  }
  return absl::StrFormat("%s:%d", options.address, options.port);
}

}  // namespace

ControlServer::ControlServer() = default;

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Start(
    ControlOptions options, Engine& engine, fanout::ShardPool& shards,
    session::SessionRegistry& sessions, observe::Metrics& metrics, const Clock& clock) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "port %d is out of range; use 0 to 65535 (0: any free port)", options.port));
  }
  if (options.subscriber_queue_events < 2 || options.publish_window < 1) {
    return absl::InvalidArgumentError(
        "subscriber_queue_events must be at least 2 and publish_window at least 1");
  }
  HERALD_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                          Credentials(options));
  if (!options.api_keys_file.empty()) {
    HERALD_ASSIGN_OR_RETURN(std::string text, ReadFile(options.api_keys_file, "api keys"));
    absl::StatusOr<std::vector<auth::ApiKey>> keys = auth::ParseApiKeys(text);
    if (!keys.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s", options.api_keys_file, keys.status().message()));
    }
    // An empty file would turn auth off where the operator meant it on.
    if (keys->empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s holds no API key; add one (heraldctl keys hash) or drop --api_keys_file",
          options.api_keys_file));
    }
    options.api_keys.insert(options.api_keys.end(), keys->begin(), keys->end());
  }

  std::unique_ptr<ControlServer> server(new ControlServer());
  server->options_ = std::move(options);
  server->shards_ = &shards;
  server->auth_ = std::make_unique<auth::ApiKeyAuthenticator>(server->options_.api_keys);
  server->stats_ = std::make_unique<ControlStats>(clock.Now());
  server->env_.reset(new ServiceEnvironment{.engine = engine,
                                            .shards = shards,
                                            .clock = clock,
                                            .options = server->options_,
                                            .auth = *server->auth_,
                                            .sessions = sessions,
                                            .stats = *server->stats_,
                                            .metrics = metrics});
  server->topic_service_ = std::make_unique<TopicService>(*server->env_);
  server->publish_service_ = std::make_unique<PublishService>(*server->env_);
  server->subscribe_service_ = std::make_unique<SubscribeService>(*server->env_);
  server->admin_service_ = std::make_unique<AdminService>(*server->env_);

  // Both are process-wide switches read when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(ListenAddress(server->options_), credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(server->options_.max_message_bytes));
  // gRPC sets SO_REUSEPORT by default, so a second heraldd on the same port would start and
  // silently take half the connections; a busy port must be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(server->topic_service_.get());
  builder.RegisterService(server->publish_service_.get());
  builder.RegisterService(server->subscribe_service_.get());
  builder.RegisterService(server->admin_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrFormat(
        "cannot listen on %s; is another process using the port? choose another one",
        ListenAddress(server->options_)));
  }
  server->health_.store(server->server_->GetHealthCheckService());
  // The engine's readiness follows through SetEngineReady.
  server->health_.load()->SetServingStatus(true);
  server->drain_hook_.emplace(sessions, [s = server.get()] { s->StopAccepting(); });
  // The node may have begun draining before the hook was in place.
  if (sessions.draining()) server->StopAccepting();
  return server;
}

ControlServer::~ControlServer() { Shutdown(); }

void ControlServer::StopAccepting() {
  MutexLock lock(health_mu_);
  env_->draining.store(true);
  health_.load()->SetServingStatus(false);
}

void ControlServer::SetEngineReady(bool ready) {
  MutexLock lock(health_mu_);
  health_.load()->SetServingStatus(ready && !env_->draining.load());
}

void ControlServer::Shutdown() {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  drain_hook_.reset();
  StopAccepting();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.shutdown_grace));
  server_->Wait();
  // Every stream is done, but reactors free themselves (and may have pending replay steps)
  // on their shards. A barrier on each shard runs after everything posted before it, so
  // once all pass, nothing queued still refers to this server's services.
  for (size_t i = 0; i < shards_->size(); ++i) {
    std::promise<void> passed;
    boost::asio::post(shards_->shard(i).context(), [&passed] { passed.set_value(); });
    passed.get_future().wait();
  }
}

}  // namespace herald::control
