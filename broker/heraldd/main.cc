// heraldd: the Herald daemon. Config file, environment and flags → BrokerOptions → Broker;
// runs until SIGTERM or SIGINT, then drains and exits 0. SIGHUP re-reads the reloadable files
// (Broker::Reload).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "broker/broker.h"
#include "broker/heraldd/config.h"
#include "broker/heraldd/options.h"
#include "broker/observe/log.h"
#include "broker/observe/metrics.h"

ABSL_FLAG(std::string, config, "",
          "TOML config file (see deploy/herald.toml); flags and HERALD_* environment variables "
          "override its values. Also HERALD_CONFIG");
ABSL_FLAG(bool, check_config, false,
          "validate the configuration (file, environment, flags) and exit: 0 when it is valid");
ABSL_FLAG(bool, print_config, false,
          "print the effective configuration, with where each value came from, and exit");

namespace {

using herald::observe::Log;
using herald::observe::LogLevel;

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

// Reads the configuration in precedence order; every fault found, one per line.
absl::Status LoadConfig(herald::heraldd::Config& config, int argc, char** argv) {
  std::vector<std::string> faults;
  auto note = [&faults](const absl::Status& status) {
    if (!status.ok()) faults.emplace_back(status.message());
  };
  note(config.ApplyFile(herald::heraldd::ConfigPath(argc, argv)));
  note(config.ApplyEnvironment());
  absl::ParseCommandLine(argc, argv);
  config.NoteCommandLine();
  note(config.Validate());
  if (faults.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(faults, "\n"));
}

// The effective configuration, in one line: what an operator checks first.
void LogStarting(const herald::BrokerOptions& options) {
  const bool redis = options.engine_kind == herald::EngineKind::kRedis;
  const bool rocksdb = !redis && options.store.kind == herald::store::StoreKind::kRocksDb;
  const bool fsync = options.store.durability == herald::store::Durability::kFsync;
  Log(LogLevel::kInfo, "heraldd_starting",
      {{"version", herald::observe::kHeraldVersion},
       {"shards", options.shards},
       {"engine", redis ? "redis" : "local"},
       {"store", redis ? "none" : (rocksdb ? "rocksdb" : "memory")},
       {"data_dir", rocksdb ? options.store.data_dir : ""},
       {"durability", rocksdb ? (fsync ? "fsync" : "process") : ""},
       {"auto_create_topics", options.engine.auto_create_topics ? "true" : "false"},
       {"max_event_bytes", options.engine.max_event_bytes},
       {"max_connections", options.edge.max_connections},
       {"api_keys", options.control.api_keys_file.empty() ? "none" : "file"},
       {"grpc_tls", options.control.tls_cert_file.empty() ? "off" : "on"},
       {"edge_tls", options.edge.tls_cert_file.empty() ? "off" : "on"},
       {"access_tokens", options.edge.access_token_options.HasKeys() ? "on" : "off"},
       {"access_log", options.log.access_log}});
  if (redis) {
    Log(LogLevel::kInfo, "engine_redis",
        {{"address", options.redis.address.ToString()}, {"prefix", options.redis.prefix}});
  } else if (!rocksdb) {
    Log(LogLevel::kWarn, "store_memory", {{"message", "history is lost at exit"}});
  }
}

// Where every listener ended up (ports picked when 0 was asked for).
void LogReady(const herald::BrokerOptions& options, const herald::Broker& broker) {
  const std::string& host = options.edge.address;
  const uint16_t tls_port = broker.edge_tls_port();
  const uint16_t metrics_port = broker.metrics_port();
  Log(LogLevel::kInfo, "heraldd_ready",
      {{"edge", absl::StrFormat("http://%s:%d", host, broker.edge_port())},
       {"grpc", absl::StrFormat("%s:%d", options.control.address, broker.control_port())},
       {"metrics", metrics_port == 0
                       ? std::string("none")
                       : absl::StrFormat("http://%s/metrics", options.metrics.address)},
       {"edge_tls",
        tls_port == 0 ? std::string("none") : absl::StrFormat("https://%s:%d", host, tls_port)}});
  for (const std::string& warning : broker.warnings()) {
    Log(LogLevel::kWarn, "engine_warning", {{"message", warning}});
  }
  if (absl::Status ready = broker.Readiness(); !ready.ok()) {
    Log(LogLevel::kWarn, "engine_not_ready", {{"retrying", "true"}, {"message", ready.message()}});
  }
}

// Brings the declared topics in line, retrying while the engine cannot answer (Redis still
// connecting) until it succeeds or `stop` is notified.
void SyncTopicsUntilDone(herald::Broker& broker,
                         const std::vector<herald::heraldd::DeclaredTopic>& topics,
                         const absl::Notification& stop) {
  do {
    absl::StatusOr<std::vector<herald::heraldd::TopicChange>> changes =
        herald::heraldd::SyncDeclaredTopics(broker, topics);
    if (changes.ok()) {
      for (const herald::heraldd::TopicChange& change : *changes) {
        Log(LogLevel::kInfo, "declared_topic",
            {{"action", change.action},
             {"topic", change.topic->config.name},
             {"declared_at", change.topic->where}});
      }
      return;
    }
    Log(LogLevel::kWarn, "declared_topics_not_applied",
        {{"retrying", "true"}, {"error", changes.status().ToString()}});
  } while (!stop.WaitForNotificationWithTimeout(absl::Seconds(1)));
}

// Until SIGTERM or SIGINT, whose name it returns; each SIGHUP reloads what may change.
const char* ServeUntilStopped(herald::Broker& broker, const sigset_t& signals) {
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    if (absl::Status reloaded = broker.Reload(); reloaded.ok()) {
      Log(LogLevel::kInfo, "reloaded", {{"signal", "SIGHUP"}});
    } else {
      Log(LogLevel::kError, "reload_failed",
          {{"signal", "SIGHUP"}, {"kept", "what was loaded"}, {"error", reloaded.message()}});
    }
  }
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "heraldd: the Herald streaming broker daemon\n"
      "  heraldd [--config FILE] [--flag=value ...]   (see --helpfull and deploy/herald.toml)");
  herald::heraldd::Config config;
  const absl::Status loaded = LoadConfig(config, argc, argv);
  if (absl::GetFlag(FLAGS_print_config)) {
    std::cout << config.Print();
    if (!loaded.ok()) std::cerr << loaded.message() << "\n";
    return loaded.ok() ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  absl::StatusOr<herald::BrokerOptions> options =
      loaded.ok() ? herald::heraldd::OptionsFromFlags() : loaded;
  if (absl::GetFlag(FLAGS_check_config)) {
    if (!options.ok()) {
      std::cerr << "heraldd: invalid configuration:\n" << options.status().message() << "\n";
      return EXIT_FAILURE;
    }
    std::cout << "heraldd: configuration is valid (" << config.topics().size()
              << " declared topics)\n";
    return EXIT_SUCCESS;
  }
  const sigset_t handled_signals = BlockHandledSignals();
  if (options.ok()) LogStarting(*options);
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker =
      options.ok() ? herald::Broker::Start(*options) : options.status();
  if (!broker.ok()) {
    Log(LogLevel::kError, "heraldd_cannot_start", {{"error", broker.status().ToString()}});
    return EXIT_FAILURE;
  }
  LogReady(*options, **broker);
  absl::Notification stopping;
  std::thread topic_sync(SyncTopicsUntilDone, std::ref(**broker), std::cref(config.topics()),
                         std::cref(stopping));

  const char* stop_signal = ServeUntilStopped(**broker, handled_signals);
  Log(LogLevel::kInfo, "heraldd_stopping", {{"signal", stop_signal}});
  stopping.Notify();
  topic_sync.join();
  broker->reset();
  Log(LogLevel::kInfo, "heraldd_stopped", {});
  return EXIT_SUCCESS;
}
