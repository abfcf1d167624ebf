// heraldd: the Herald daemon. Config file, environment and flags → BrokerOptions → Broker;
// runs until SIGTERM or SIGINT, then drains and exits 0. SIGHUP re-reads the reloadable files
// (Broker::Reload).
#include <csignal>
#include <cstdio>
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

ABSL_FLAG(std::string, config, "",
          "TOML config file (see deploy/herald.toml); flags and HERALD_* environment variables "
          "override its values. Also HERALD_CONFIG");
ABSL_FLAG(bool, check_config, false,
          "validate the configuration (file, environment, flags) and exit: 0 when it is valid");
ABSL_FLAG(bool, print_config, false,
          "print the effective configuration, with where each value came from, and exit");

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

void LogStart(const herald::BrokerOptions& options, const herald::Broker& broker) {
  std::fprintf(stderr, "heraldd: ready; browser edge on http://%s:%d\n",
               options.edge.address.c_str(), broker.edge_port());
  if (const uint16_t tls_port = broker.edge_tls_port(); tls_port != 0) {
    std::fprintf(stderr, "heraldd: browser edge TLS on https://%s:%d\n",
                 options.edge.address.c_str(), tls_port);
  }
  for (const std::string& warning : broker.warnings()) {
    std::fprintf(stderr, "heraldd: warning: %s\n", warning.c_str());
  }
  if (options.engine_kind == herald::EngineKind::kRedis) {
    std::fprintf(stderr, "heraldd: engine redis at %s, key prefix '%s'\n",
                 options.redis.address.ToString().c_str(), options.redis.prefix.c_str());
    if (absl::Status ready = broker.Readiness(); !ready.ok()) {
      std::fprintf(stderr, "heraldd: not ready (retrying): %s\n",
                   std::string(ready.message()).c_str());
    }
  } else if (options.store.kind == herald::store::StoreKind::kRocksDb) {
    std::fprintf(
        stderr, "heraldd: store rocksdb in %s (durability %s)\n", options.store.data_dir.c_str(),
        options.store.durability == herald::store::Durability::kFsync ? "fsync" : "process");
  } else {
    std::fprintf(stderr, "heraldd: store memory (history is lost at exit)\n");
  }
  std::fprintf(stderr, "heraldd: control plane (gRPC) on %s:%d\n", options.control.address.c_str(),
               broker.control_port());
}

// Brings the declared topics in line, retrying while the engine cannot answer (Redis still
// connecting) until it succeeds or `stop` is notified.
void SyncTopicsUntilDone(herald::Broker& broker,
                         const std::vector<herald::heraldd::DeclaredTopic>& topics,
                         const absl::Notification& stop) {
  do {
    absl::StatusOr<std::vector<std::string>> changes =
        herald::heraldd::SyncDeclaredTopics(broker, topics);
    if (changes.ok()) {
      for (const std::string& change : *changes) {
        std::fprintf(stderr, "heraldd: %s\n", change.c_str());
      }
      return;
    }
    std::fprintf(stderr, "heraldd: declared topics not applied (retrying): %s\n",
                 changes.status().ToString().c_str());
  } while (!stop.WaitForNotificationWithTimeout(absl::Seconds(1)));
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
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker =
      options.ok() ? herald::Broker::Start(*options) : options.status();
  if (!broker.ok()) {
    std::fprintf(stderr, "heraldd: cannot start: %s\n",
                 std::string(broker.status().message()).c_str());
    return EXIT_FAILURE;
  }
  LogStart(*options, **broker);
  absl::Notification stopping;
  std::thread topic_sync(SyncTopicsUntilDone, std::ref(**broker), std::cref(config.topics()),
                         std::cref(stopping));

  int signal_number = 0;
  while (sigwait(&handled_signals, &signal_number) == 0 && signal_number == SIGHUP) {
    if (absl::Status reloaded = (*broker)->Reload(); reloaded.ok()) {
      std::fprintf(stderr, "heraldd: SIGHUP: reloaded\n");
    } else {
      std::fprintf(stderr, "heraldd: SIGHUP: reload failed, keeping what was loaded: %s\n",
                   std::string(reloaded.message()).c_str());
    }
  }
  std::fprintf(stderr, "heraldd: %s received, draining\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  stopping.Notify();
  topic_sync.join();
  broker->reset();
  std::fprintf(stderr, "heraldd: stopped\n");
  return EXIT_SUCCESS;
}
