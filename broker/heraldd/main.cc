// heraldd: the Herald daemon. Flags → BrokerOptions → Broker; runs until SIGTERM or SIGINT,
// then drains and exits 0.
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "broker/broker.h"

ABSL_FLAG(int, shards, 0, "I/O shards (event loops); 0 means one per CPU");
ABSL_FLAG(bool, auto_create_topics, false,
          "create a topic on its first publish instead of answering NOT_FOUND");
ABSL_FLAG(uint64_t, max_event_bytes, 1 << 20, "largest event accepted, in bytes");

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

herald::BrokerOptions OptionsFromFlags() {
  herald::BrokerOptions options;
  options.shards = static_cast<size_t>(absl::GetFlag(FLAGS_shards));
  options.engine.auto_create_topics = absl::GetFlag(FLAGS_auto_create_topics);
  options.engine.max_event_bytes = absl::GetFlag(FLAGS_max_event_bytes);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("heraldd: the Herald streaming broker daemon");
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop_signals = BlockStopSignals();

  absl::StatusOr<std::unique_ptr<herald::Broker>> broker =
      herald::Broker::Start(OptionsFromFlags());
  if (!broker.ok()) {
    std::fprintf(stderr, "heraldd: cannot start: %s\n", broker.status().ToString().c_str());
    return EXIT_FAILURE;
  }
  std::fprintf(stderr, "heraldd: ready\n");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "heraldd: %s received, draining\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  broker->reset();
  std::fprintf(stderr, "heraldd: stopped\n");
  return EXIT_SUCCESS;
}
