#include "broker/heraldd/options.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "broker/engine/redis/redis_address.h"
#include "broker/observe/log.h"

// Each flag is also a config-file key and an environment variable (config.cc's table says
// which section): keep the help text what an operator needs to set it.

ABSL_FLAG(int, shards, 0, "I/O shards (event loops); 0 means one per CPU");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(5),
          "on a drain (SIGTERM, heraldctl drain), how long sessions get to leave before they are "
          "closed");

ABSL_FLAG(std::string, engine, "local",
          "where topics live: local (this process, in --store) or redis (shared by every node "
          "on --redis_url with the same --redis_prefix)");
ABSL_FLAG(bool, auto_create_topics, false,
          "create a topic on its first publish instead of answering NOT_FOUND");
ABSL_FLAG(uint64_t, max_event_bytes, 1 << 20, "largest event accepted, in bytes");
ABSL_FLAG(uint64_t, default_max_events, 1000,
          "retention of topics created without one (auto-created topics): events kept");
ABSL_FLAG(uint64_t, default_max_bytes, 0,
          "retention of topics created without one: bytes kept; 0 means no byte bound");
ABSL_FLAG(absl::Duration, default_max_age, absl::ZeroDuration(),
          "retention of topics created without one: age of the oldest event kept; 0 means none");

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

ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379/0",
          "--engine=redis: redis://[[user]:password@]host[:port][/db]");
ABSL_FLAG(std::string, redis_password_file, "",
          "--engine=redis: file holding the Redis password (keeps it out of the process list)");
ABSL_FLAG(std::string, redis_prefix, "herald:",
          "--engine=redis: prefix of every key and channel, so several Herald clusters can "
          "share one Redis");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Seconds(2),
          "--engine=redis: a Redis command unanswered this long fails and reconnects");
ABSL_FLAG(absl::Duration, redis_check_interval, absl::Seconds(1),
          "--engine=redis: how often every topic is compared with Redis, catching a lost "
          "pub/sub message");

ABSL_FLAG(std::string, http_address, "127.0.0.1", "address of the browser edge (SSE, WebSocket)");
ABSL_FLAG(int, http_port, 8080, "port of the browser edge; 0 picks a free one");
ABSL_FLAG(int, https_port, 8443,
          "TLS port of the browser edge, served when --http_tls_cert and --http_tls_key are set; "
          "0 picks a free one");
ABSL_FLAG(std::string, http_tls_cert, "",
          "PEM certificate chain of the browser edge's TLS port (re-read on SIGHUP)");
ABSL_FLAG(std::string, http_tls_key, "",
          "PEM private key of the browser edge's TLS port (re-read on SIGHUP)");
ABSL_FLAG(std::string, static_dir, "", "directory served at / by the browser edge (none if empty)");
ABSL_FLAG(std::vector<std::string>, allowed_origins, {},
          "origins allowed for CORS and WebSocket handshakes (comma-separated; empty: any)");
ABSL_FLAG(absl::Duration, sse_heartbeat, absl::Seconds(15), "SSE heartbeat after this silence");
ABSL_FLAG(absl::Duration, sse_retry, absl::Seconds(2),
          "the `retry:` SSE clients are told to wait before reconnecting");
ABSL_FLAG(absl::Duration, ws_ping_interval, absl::Seconds(30),
          "WebSocket ping interval; two unanswered pings close the connection");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "time a client has to send its request head or WebSocket handshake");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "an HTTP keep-alive connection with no request for this long is closed");
ABSL_FLAG(uint64_t, outbound_queue_bytes, 1 << 20,
          "bytes queued for one browser session; past it the session is closed as too slow and "
          "the client resumes from its cursor");

ABSL_FLAG(uint64_t, max_connections, 10000, "browser connections past this get 503");
ABSL_FLAG(uint64_t, max_ws_message_bytes, 1 << 20, "largest WebSocket message accepted");
ABSL_FLAG(uint64_t, max_connections_per_ip, 256,
          "browser connections one client (IPv4 address, IPv6 /64) may hold open; past it 429 "
          "(0: no limit)");
ABSL_FLAG(double, max_new_connections_per_second_per_ip, 20,
          "new browser connections one client may open per second; past it 429 (0: no limit)");
ABSL_FLAG(double, new_connection_burst_per_ip, 40,
          "new browser connections one client may open at once after a quiet spell");
ABSL_FLAG(std::vector<std::string>, trusted_proxies, {},
          "proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client "
          "for per-client limits and listings; empty: the header is ignored");
ABSL_FLAG(uint32_t, max_ws_messages_per_second, 100,
          "WebSocket client messages per second per connection; past it close 1008 (0: no limit)");
ABSL_FLAG(uint64_t, max_ws_bytes_per_second, 1 << 20,
          "WebSocket client bytes per second per connection; past it close 1008 (0: no limit)");
ABSL_FLAG(uint32_t, max_ws_publishes_per_second, 50,
          "WebSocket publish ops per second per connection; past it an error frame (0: no limit)");
ABSL_FLAG(uint64_t, max_header_bytes, 16 << 10, "larger HTTP request heads are answered 431");
ABSL_FLAG(uint64_t, max_topics_per_subscription, 64, "topics one SSE request may name");

ABSL_FLAG(std::string, grpc_address, "127.0.0.1", "address of the gRPC control plane");
ABSL_FLAG(int, grpc_port, 50051, "port of the gRPC control plane; 0 picks a free one");
ABSL_FLAG(std::string, api_keys_file, "",
          "file of '<role> <key>' lines (roles: admin, publisher, subscriber) for the control "
          "plane; empty: no auth (development only)");
ABSL_FLAG(std::string, grpc_tls_cert, "", "PEM certificate chain: serve gRPC over TLS");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key of --grpc_tls_cert");
ABSL_FLAG(std::string, grpc_tls_client_ca, "",
          "PEM CA: require gRPC client certificates it signed (mutual TLS)");
ABSL_FLAG(uint64_t, grpc_max_message_bytes, 4 << 20,
          "largest gRPC request accepted; larger ones get RESOURCE_EXHAUSTED");
ABSL_FLAG(uint64_t, subscriber_queue_events, 1024,
          "events queued per gRPC Subscribe stream before it is ended as too slow");
ABSL_FLAG(uint64_t, publish_window, 64,
          "requests a PublishStream reads ahead of the acks its client has taken");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "at stop, how long gRPC calls get to finish before they are cancelled");

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

namespace herald::heraldd {
namespace {

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

// The choices of --store, --durability and --engine are checked by the settings table.
void StoreFromFlags(store::StoreOptions& options) {
  options.kind = absl::GetFlag(FLAGS_store) == "memory" ? store::StoreKind::kMemory
                                                        : store::StoreKind::kRocksDb;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.durability = absl::GetFlag(FLAGS_durability) == "fsync" ? store::Durability::kFsync
                                                                  : store::Durability::kProcess;
  options.min_free_bytes = absl::GetFlag(FLAGS_min_free_disk_bytes);
}

absl::Status EngineFromFlags(BrokerOptions& options) {
  options.engine.auto_create_topics = absl::GetFlag(FLAGS_auto_create_topics);
  options.engine.max_event_bytes = absl::GetFlag(FLAGS_max_event_bytes);
  options.engine.default_retention = {.max_events = absl::GetFlag(FLAGS_default_max_events),
                                      .max_bytes = absl::GetFlag(FLAGS_default_max_bytes),
                                      .max_age = absl::GetFlag(FLAGS_default_max_age)};
  if (absl::GetFlag(FLAGS_engine) != "redis") {
    StoreFromFlags(options.store);
    return absl::OkStatus();
  }
  options.engine_kind = EngineKind::kRedis;
  absl::StatusOr<engine::RedisAddress> address =
      engine::ParseRedisUrl(absl::GetFlag(FLAGS_redis_url));
  if (!address.ok()) return address.status();
  options.redis.address = *std::move(address);
  if (const std::string path = absl::GetFlag(FLAGS_redis_password_file); !path.empty()) {
    absl::StatusOr<std::string> password = ReadFirstLine(path, "Redis password");
    if (!password.ok()) return password.status();
    options.redis.address.password = *std::move(password);
  }
  options.redis.prefix = absl::GetFlag(FLAGS_redis_prefix);
  options.redis.timeout = absl::GetFlag(FLAGS_redis_timeout);
  options.redis.check_interval = absl::GetFlag(FLAGS_redis_check_interval);
  return absl::OkStatus();
}

void EdgeFromFlags(edge::EdgeOptions& edge) {
  edge.address = absl::GetFlag(FLAGS_http_address);
  edge.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_http_port));
  edge.tls_port = static_cast<uint16_t>(absl::GetFlag(FLAGS_https_port));
  edge.tls_cert_file = absl::GetFlag(FLAGS_http_tls_cert);
  edge.tls_key_file = absl::GetFlag(FLAGS_http_tls_key);
  edge.static_dir = absl::GetFlag(FLAGS_static_dir);
  edge.allowed_origins = absl::GetFlag(FLAGS_allowed_origins);
  edge.heartbeat_interval = absl::GetFlag(FLAGS_sse_heartbeat);
  edge.sse_retry = absl::GetFlag(FLAGS_sse_retry);
  edge.ws_ping_interval = absl::GetFlag(FLAGS_ws_ping_interval);
  edge.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  edge.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  edge.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  edge.outbound_queue_bytes = absl::GetFlag(FLAGS_outbound_queue_bytes);
  edge.max_connections = absl::GetFlag(FLAGS_max_connections);
  edge.max_ws_message_bytes = absl::GetFlag(FLAGS_max_ws_message_bytes);
  edge.max_connections_per_ip = absl::GetFlag(FLAGS_max_connections_per_ip);
  edge.max_new_connections_per_second_per_ip =
      absl::GetFlag(FLAGS_max_new_connections_per_second_per_ip);
  edge.new_connection_burst_per_ip = absl::GetFlag(FLAGS_new_connection_burst_per_ip);
  edge.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  edge.max_ws_messages_per_second = absl::GetFlag(FLAGS_max_ws_messages_per_second);
  edge.max_ws_bytes_per_second = absl::GetFlag(FLAGS_max_ws_bytes_per_second);
  edge.max_ws_publishes_per_second = absl::GetFlag(FLAGS_max_ws_publishes_per_second);
  edge.max_header_bytes = absl::GetFlag(FLAGS_max_header_bytes);
  edge.max_topics_per_subscription = absl::GetFlag(FLAGS_max_topics_per_subscription);
  // Sweeps finer than the shortest interval, so short settings are honoured.
  edge.sweep_interval = std::min({absl::Seconds(1), edge.heartbeat_interval / 4,
                                  edge.ws_ping_interval / 4, edge.handshake_timeout / 4});
  edge.access_token_options.hs256_secret_file = absl::GetFlag(FLAGS_access_token_secret_file);
  edge.access_token_options.keys_file = absl::GetFlag(FLAGS_access_token_keys_file);
  edge.access_token_options.issuer = absl::GetFlag(FLAGS_access_token_issuer);
  edge.access_token_options.audience = absl::GetFlag(FLAGS_access_token_audience);
  edge.access_token_options.leeway = absl::GetFlag(FLAGS_access_token_leeway);
  edge.allow_anonymous_browsers = absl::GetFlag(FLAGS_allow_anonymous_browsers);
}

void ControlFromFlags(control::ControlOptions& control) {
  control.address = absl::GetFlag(FLAGS_grpc_address);
  control.port = absl::GetFlag(FLAGS_grpc_port);
  control.api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  control.tls_cert_file = absl::GetFlag(FLAGS_grpc_tls_cert);
  control.tls_key_file = absl::GetFlag(FLAGS_grpc_tls_key);
  control.tls_client_ca_file = absl::GetFlag(FLAGS_grpc_tls_client_ca);
  control.max_message_bytes = absl::GetFlag(FLAGS_grpc_max_message_bytes);
  control.subscriber_queue_events = absl::GetFlag(FLAGS_subscriber_queue_events);
  control.publish_window = absl::GetFlag(FLAGS_publish_window);
  control.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
}

absl::Status LogFromFlags(observe::LogOptions& options) {
  absl::StatusOr<observe::LogLevel> level = observe::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return level.status();
  absl::StatusOr<observe::LogFormat> format =
      observe::ParseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!format.ok()) return format.status();
  options.level = *level;
  options.format = *format;
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BrokerOptions> OptionsFromFlags() {
  BrokerOptions options;
  options.shards = static_cast<size_t>(absl::GetFlag(FLAGS_shards));
  if (absl::Status status = LogFromFlags(options.log); !status.ok()) return status;
  options.metrics.address = absl::GetFlag(FLAGS_metrics_address);
  options.metrics.topic_labels = absl::GetFlag(FLAGS_metrics_topics);
  if (absl::Status status = EngineFromFlags(options); !status.ok()) return status;
  options.serve_edge = true;
  EdgeFromFlags(options.edge);
  options.serve_control = true;
  ControlFromFlags(options.control);
  return options;
}

}  // namespace herald::heraldd
