// heraldd: the Herald daemon. Flags → BrokerOptions → Broker; runs until SIGTERM or SIGINT,
// then drains and exits 0.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "broker/broker.h"
#include "broker/engine/redis/redis_address.h"

ABSL_FLAG(int, shards, 0, "I/O shards (event loops); 0 means one per CPU");
ABSL_FLAG(bool, auto_create_topics, false,
          "create a topic on its first publish instead of answering NOT_FOUND");
ABSL_FLAG(uint64_t, max_event_bytes, 1 << 20, "largest event accepted, in bytes");
ABSL_FLAG(std::string, engine, "local",
          "where topics live: local (this process, in --store) or redis (shared by every node "
          "on --redis_url with the same --redis_prefix)");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379/0",
          "--engine=redis: redis://[[user]:password@]host[:port][/db]");
ABSL_FLAG(std::string, redis_password_file, "",
          "--engine=redis: file holding the Redis password (keeps it out of the process list)");
ABSL_FLAG(std::string, redis_prefix, "herald:",
          "--engine=redis: prefix of every key and channel, so several Herald clusters can "
          "share one Redis");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Seconds(2),
          "--engine=redis: a Redis command unanswered this long fails and reconnects");
ABSL_FLAG(std::string, store, "rocksdb",
          "where history is kept: rocksdb (durable, in --data_dir) or memory (lost at exit)");
ABSL_FLAG(std::string, data_dir, "./data", "directory of the rocksdb store");
ABSL_FLAG(std::string, durability, "process",
          "rocksdb store: process (an acknowledged event survives kill -9 of heraldd) or fsync "
          "(it survives a power loss: acknowledged after a WAL sync, shared by concurrent "
          "publishes)");
ABSL_FLAG(uint64_t, min_free_disk_bytes, 128 << 20,
          "rocksdb store: refuse publishes (UNAVAILABLE) while the data directory has less free "
          "space than this, which RocksDB needs to flush and compact");
ABSL_FLAG(std::string, http_address, "127.0.0.1", "address of the browser edge (SSE, WebSocket)");
ABSL_FLAG(int, http_port, 8080, "port of the browser edge; 0 picks a free one");
ABSL_FLAG(std::string, static_dir, "", "directory served at / by the browser edge (none if empty)");
ABSL_FLAG(std::vector<std::string>, allowed_origins, {},
          "origins allowed for CORS and WebSocket handshakes (comma-separated; empty: any)");
ABSL_FLAG(absl::Duration, sse_heartbeat, absl::Seconds(15), "SSE heartbeat after this silence");
ABSL_FLAG(absl::Duration, ws_ping_interval, absl::Seconds(30),
          "WebSocket ping interval; two unanswered pings close the connection");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "time a client has to send its request head or WebSocket handshake");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(5),
          "on a drain (SIGTERM, heraldctl drain), how long sessions get to leave before they are "
          "closed");
ABSL_FLAG(uint64_t, max_ws_message_bytes, 1 << 20, "largest WebSocket message accepted");
ABSL_FLAG(uint64_t, max_connections, 10000, "browser connections past this get 503");
ABSL_FLAG(std::string, grpc_address, "127.0.0.1", "address of the gRPC control plane");
ABSL_FLAG(int, grpc_port, 50051, "port of the gRPC control plane; 0 picks a free one");
ABSL_FLAG(std::string, api_keys_file, "",
          "file of '<role> <key>' lines (roles: admin, publisher, subscriber) for the control "
          "plane; empty: no auth (development only)");
ABSL_FLAG(std::string, grpc_tls_cert, "", "PEM certificate chain: serve gRPC over TLS");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key of --grpc_tls_cert");
ABSL_FLAG(std::string, grpc_tls_client_ca, "",
          "PEM CA: require gRPC client certificates it signed (mutual TLS)");
ABSL_FLAG(std::string, access_token_secret_file, "",
          "file holding the HS256 secret (32 bytes or more) that signs browsers' access "
          "tokens; with neither it nor --access_token_keys_file, browsers need no token");
ABSL_FLAG(std::string, access_token_keys_file, "",
          "file of the public keys that verify browsers' RS256 / ES256 access tokens: PEM "
          "PUBLIC KEY blocks, or a JWKS document (keys chosen by the token's kid); re-read on "
          "SIGHUP");
ABSL_FLAG(std::string, access_token_issuer, "",
          "when set, browsers' access tokens must carry this 'iss'");
ABSL_FLAG(std::string, access_token_audience, "",
          "when set, browsers' access tokens must carry this 'aud'");
ABSL_FLAG(absl::Duration, access_token_leeway, absl::Seconds(30),
          "clock skew allowed on access tokens' exp, nbf and iat");
ABSL_FLAG(bool, allow_anonymous_browsers, false,
          "protected mode: allow an edge on a non-loopback --http_address without access tokens "
          "(every browser may follow every topic)");

namespace {

// Blocks SIGTERM, SIGINT and SIGHUP in every thread (call before any thread starts) and
// returns the set, so that the main thread alone receives them through sigwait.
sigset_t BlockHandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

absl::Status StoreFromFlags(herald::store::StoreOptions& options) {
  using herald::store::Durability;
  using herald::store::StoreKind;
  const std::string store = absl::GetFlag(FLAGS_store);
  if (store != "rocksdb" && store != "memory") {
    return absl::InvalidArgumentError(absl::StrFormat("--store=%s: use rocksdb or memory", store));
  }
  const std::string durability = absl::GetFlag(FLAGS_durability);
  if (durability != "process" && durability != "fsync") {
    return absl::InvalidArgumentError(
        absl::StrFormat("--durability=%s: use process or fsync", durability));
  }
  options.kind = store == "rocksdb" ? StoreKind::kRocksDb : StoreKind::kMemory;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.durability = durability == "fsync" ? Durability::kFsync : Durability::kProcess;
  options.min_free_bytes = absl::GetFlag(FLAGS_min_free_disk_bytes);
  return absl::OkStatus();
}

// The file's first line, without its line break.
absl::StatusOr<std::string> ReadFirstLine(const std::string& path, const char* what) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::NotFoundError(absl::StrFormat("cannot read %s file '%s'", what, path));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::Status EngineFromFlags(herald::BrokerOptions& options) {
  const std::string engine = absl::GetFlag(FLAGS_engine);
  if (engine == "local") return StoreFromFlags(options.store);
  if (engine != "redis") {
    return absl::InvalidArgumentError(absl::StrFormat("--engine=%s: use local or redis", engine));
  }
  options.engine_kind = herald::EngineKind::kRedis;
  absl::StatusOr<herald::engine::RedisAddress> address =
      herald::engine::ParseRedisUrl(absl::GetFlag(FLAGS_redis_url));
  if (!address.ok()) return address.status();
  options.redis.address = *std::move(address);
  if (const std::string path = absl::GetFlag(FLAGS_redis_password_file); !path.empty()) {
    absl::StatusOr<std::string> password = ReadFirstLine(path, "Redis password");
    if (!password.ok()) return password.status();
    options.redis.address.password = *std::move(password);
  }
  options.redis.prefix = absl::GetFlag(FLAGS_redis_prefix);
  options.redis.timeout = absl::GetFlag(FLAGS_redis_timeout);
  return absl::OkStatus();
}

absl::StatusOr<herald::BrokerOptions> OptionsFromFlags() {
  herald::BrokerOptions options;
  if (absl::Status status = EngineFromFlags(options); !status.ok()) return status;
  options.shards = static_cast<size_t>(absl::GetFlag(FLAGS_shards));
  options.engine.auto_create_topics = absl::GetFlag(FLAGS_auto_create_topics);
  options.engine.max_event_bytes = absl::GetFlag(FLAGS_max_event_bytes);
  options.serve_edge = true;
  options.edge.address = absl::GetFlag(FLAGS_http_address);
  options.edge.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_http_port));
  options.edge.static_dir = absl::GetFlag(FLAGS_static_dir);
  options.edge.allowed_origins = absl::GetFlag(FLAGS_allowed_origins);
  options.edge.heartbeat_interval = absl::GetFlag(FLAGS_sse_heartbeat);
  options.edge.ws_ping_interval = absl::GetFlag(FLAGS_ws_ping_interval);
  options.edge.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.edge.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.edge.max_ws_message_bytes = absl::GetFlag(FLAGS_max_ws_message_bytes);
  options.edge.max_connections = absl::GetFlag(FLAGS_max_connections);
  // Sweeps finer than the shortest interval, so short test settings are honoured.
  options.edge.sweep_interval =
      std::min({absl::Seconds(1), options.edge.heartbeat_interval / 4,
                options.edge.ws_ping_interval / 4, options.edge.handshake_timeout / 4});
  options.serve_control = true;
  options.control.address = absl::GetFlag(FLAGS_grpc_address);
  options.control.port = absl::GetFlag(FLAGS_grpc_port);
  options.control.api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  options.control.tls_cert_file = absl::GetFlag(FLAGS_grpc_tls_cert);
  options.control.tls_key_file = absl::GetFlag(FLAGS_grpc_tls_key);
  options.control.tls_client_ca_file = absl::GetFlag(FLAGS_grpc_tls_client_ca);
  options.edge.access_token_options.hs256_secret_file =
      absl::GetFlag(FLAGS_access_token_secret_file);
  options.edge.access_token_options.keys_file = absl::GetFlag(FLAGS_access_token_keys_file);
  options.edge.access_token_options.issuer = absl::GetFlag(FLAGS_access_token_issuer);
  options.edge.access_token_options.audience = absl::GetFlag(FLAGS_access_token_audience);
  options.edge.access_token_options.leeway = absl::GetFlag(FLAGS_access_token_leeway);
  options.edge.allow_anonymous_browsers = absl::GetFlag(FLAGS_allow_anonymous_browsers);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("heraldd: the Herald streaming broker daemon");
  absl::ParseCommandLine(argc, argv);
  const sigset_t handled_signals = BlockHandledSignals();

  absl::StatusOr<herald::BrokerOptions> options = OptionsFromFlags();
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker =
      options.ok() ? herald::Broker::Start(*std::move(options)) : options.status();
  if (!broker.ok()) {
    std::fprintf(stderr, "heraldd: cannot start: %s\n", broker.status().ToString().c_str());
    return EXIT_FAILURE;
  }
  std::fprintf(stderr, "heraldd: ready; browser edge on http://%s:%d\n",
               absl::GetFlag(FLAGS_http_address).c_str(), (*broker)->edge_port());
  for (const std::string& warning : (*broker)->warnings()) {
    std::fprintf(stderr, "heraldd: warning: %s\n", warning.c_str());
  }
  if (absl::GetFlag(FLAGS_engine) == "redis") {
    std::fprintf(stderr, "heraldd: engine redis at %s, key prefix '%s'\n",
                 herald::engine::ParseRedisUrl(absl::GetFlag(FLAGS_redis_url))->ToString().c_str(),
                 absl::GetFlag(FLAGS_redis_prefix).c_str());
    if (absl::Status ready = (*broker)->Readiness(); !ready.ok()) {
      std::fprintf(stderr, "heraldd: not ready (retrying): %s\n",
                   std::string(ready.message()).c_str());
    }
  } else if (absl::GetFlag(FLAGS_store) == "rocksdb") {
    std::fprintf(stderr, "heraldd: store rocksdb in %s (durability %s)\n",
                 absl::GetFlag(FLAGS_data_dir).c_str(), absl::GetFlag(FLAGS_durability).c_str());
  } else {
    std::fprintf(stderr, "heraldd: store memory (history is lost at exit)\n");
  }
  std::fprintf(stderr, "heraldd: control plane (gRPC) on %s:%d\n",
               absl::GetFlag(FLAGS_grpc_address).c_str(), (*broker)->control_port());

  int signal_number = 0;
  // SIGHUP reloads what may change while running (access token keys) and goes on.
  while (sigwait(&handled_signals, &signal_number) == 0 && signal_number == SIGHUP) {
    if (absl::Status reloaded = (*broker)->Reload(); reloaded.ok()) {
      std::fprintf(stderr, "heraldd: SIGHUP: reloaded\n");
    } else {
      std::fprintf(stderr, "heraldd: SIGHUP: reload failed, keeping the old settings: %s\n",
                   std::string(reloaded.message()).c_str());
    }
  }
  std::fprintf(stderr, "heraldd: %s received, draining\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  broker->reset();
  std::fprintf(stderr, "heraldd: stopped\n");
  return EXIT_SUCCESS;
}
