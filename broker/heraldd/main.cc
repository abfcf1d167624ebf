// heraldd: the Herald daemon. Flags → BrokerOptions → Broker; runs until SIGTERM or SIGINT,
// then drains and exits 0.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "broker/auth/browser_token.h"
#include "broker/broker.h"
#include "broker/engine/redis/redis_address.h"
#include "broker/observe/log.h"
#include "broker/observe/metrics.h"

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
          "tokens; when unset, browsers need no token");
ABSL_FLAG(std::string, log_level, "info",
          "lowest level logged to stderr: trace, debug, info, warn, error or off");
ABSL_FLAG(std::string, log_format, "text",
          "log lines as text (time level event key=value ...) or json (one object per line)");
ABSL_FLAG(std::string, access_log, "",
          "file that gets one line per HTTP request answered and per stream ended; none if "
          "empty");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port of an internal listener serving /metrics alone (the browser edge's "
          "/metrics stays); none if empty");

ABSL_FLAG(std::vector<std::string>, metrics_topics, {},
          "topics whose publishes are also counted per topic "
          "(herald_topic_events_published_total{topic}): comma-separated names or prefixes "
          "ending in '*', at most 64; empty: no per-topic series");

namespace {

// Blocks SIGTERM and SIGINT in every thread (call before any thread starts) and returns the
// set, so that the main thread alone receives them through sigwait.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// The secret's file, without a trailing newline. NotFound when unreadable, InvalidArgument
// when shorter than HS256's 32-byte key.
absl::StatusOr<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrFormat("cannot read access token secret file '%s'", path));
  }
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "access token secret in '%s' is %d bytes; use at least 32", path, secret.size()));
  }
  return secret;
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

absl::Status LogFromFlags(herald::observe::LogOptions& options) {
  absl::StatusOr<herald::observe::LogLevel> level =
      herald::observe::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return level.status();
  absl::StatusOr<herald::observe::LogFormat> format =
      herald::observe::ParseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!format.ok()) return format.status();
  options.level = *level;
  options.format = *format;
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return absl::OkStatus();
}

absl::StatusOr<herald::BrokerOptions> OptionsFromFlags() {
  herald::BrokerOptions options;
  if (absl::Status status = EngineFromFlags(options); !status.ok()) return status;
  if (absl::Status status = LogFromFlags(options.log); !status.ok()) return status;
  options.metrics.address = absl::GetFlag(FLAGS_metrics_address);
  options.metrics.topic_labels = absl::GetFlag(FLAGS_metrics_topics);
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
  if (const std::string path = absl::GetFlag(FLAGS_access_token_secret_file); !path.empty()) {
    absl::StatusOr<std::string> secret = ReadSecret(path);
    if (!secret.ok()) return secret.status();
    options.edge.access_tokens =
        std::make_shared<herald::auth::BrowserTokenVerifier>(*std::move(secret));
  }
  return options;
}

// The effective configuration, in one line: what an operator checks first.
void LogStart(const herald::BrokerOptions& options) {
  using herald::observe::LogLevel;
  const bool redis = options.engine_kind == herald::EngineKind::kRedis;
  const bool rocksdb = options.store.kind == herald::store::StoreKind::kRocksDb;
  herald::observe::Log(
      LogLevel::kInfo, "heraldd_starting",
      {{"version", herald::observe::kHeraldVersion},
       {"shards", options.shards},
       {"engine", redis ? "redis" : "local"},
       {"store", redis ? "none" : (rocksdb ? "rocksdb" : "memory")},
       {"data_dir", rocksdb && !redis ? options.store.data_dir : ""},
       {"durability", absl::GetFlag(FLAGS_durability)},
       {"auto_create_topics", options.engine.auto_create_topics ? "true" : "false"},
       {"max_event_bytes", options.engine.max_event_bytes},
       {"max_connections", options.edge.max_connections},
       {"api_keys", options.control.api_keys_file.empty() ? "none" : "file"},
       {"grpc_tls", options.control.tls_cert_file.empty() ? "off" : "on"},
       {"access_tokens", options.edge.access_tokens ? "on" : "off"},
       {"log_level", absl::GetFlag(FLAGS_log_level)},
       {"access_log", options.log.access_log}});
  if (redis) {
    herald::observe::Log(
        LogLevel::kInfo, "engine_redis",
        {{"address", options.redis.address.ToString()}, {"prefix", options.redis.prefix}});
  } else if (!rocksdb) {
    herald::observe::Log(LogLevel::kWarn, "store_memory", {{"message", "history is lost at exit"}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  using herald::observe::Log;
  using herald::observe::LogLevel;
  absl::SetProgramUsageMessage("heraldd: the Herald streaming broker daemon");
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop_signals = BlockStopSignals();

  absl::StatusOr<herald::BrokerOptions> options = OptionsFromFlags();
  if (options.ok()) LogStart(*options);
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker =
      options.ok() ? herald::Broker::Start(*std::move(options)) : options.status();
  if (!broker.ok()) {
    Log(LogLevel::kError, "heraldd_cannot_start", {{"error", broker.status().ToString()}});
    return EXIT_FAILURE;
  }
  const uint16_t metrics_port = (*broker)->metrics_port();
  Log(LogLevel::kInfo, "heraldd_ready",
      {{"edge",
        absl::StrFormat("http://%s:%d", absl::GetFlag(FLAGS_http_address), (*broker)->edge_port())},
       {"grpc",
        absl::StrFormat("%s:%d", absl::GetFlag(FLAGS_grpc_address), (*broker)->control_port())},
       {"metrics", metrics_port == 0 ? std::string("none")
                                     : absl::StrFormat("http://%s/metrics",
                                                       absl::GetFlag(FLAGS_metrics_address))}});
  for (const std::string& warning : (*broker)->warnings()) {
    Log(LogLevel::kWarn, "engine_warning", {{"message", warning}});
  }
  if (absl::Status ready = (*broker)->Readiness(); !ready.ok()) {
    Log(LogLevel::kWarn, "engine_not_ready", {{"retrying", "true"}, {"message", ready.message()}});
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  Log(LogLevel::kInfo, "heraldd_stopping",
      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  broker->reset();
  Log(LogLevel::kInfo, "heraldd_stopped", {});
  return EXIT_SUCCESS;
}
