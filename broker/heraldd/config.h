// heraldd's configuration from every source, in this order of precedence: command-line flags,
// then HERALD_* environment variables, then the TOML config file, then defaults. Every
// setting is one flag (options.cc); its file key is `<section>.<flag>` and its variable
// HERALD_<FLAG>, e.g. --http_port, `[edge] http_port`, HERALD_HTTP_PORT.
//
//   Config config;
//   absl::Status status = config.ApplyFile(ConfigPath(argc, argv));   // lowest first
//   status.Update(config.ApplyEnvironment());
//   absl::ParseCommandLine(argc, argv);                                // flags win
//   config.NoteCommandLine();
//   status.Update(config.Validate());    // every fault, each naming its file and line
#ifndef HERALD_BROKER_HERALDD_CONFIG_H_
#define HERALD_BROKER_HERALDD_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "broker/broker.h"
#include "broker/core/topic.h"

namespace herald::heraldd {

// A topic the config file declares: created at start when missing, updated when it differs.
struct DeclaredTopic {
  TopicConfig config;
  // "FILE:LINE" of its [[topics]] table.
  std::string where;
};

// The config file's path from `--config FILE`, `--config=FILE` or HERALD_CONFIG; empty when
// none is given. Read before absl parses the command line, which must happen after the file
// is applied for flags to win.
std::string ConfigPath(int argc, char** argv);

class Config {
 public:
  using Getenv = std::function<const char*(const char*)>;

  // Sets the flags the file names and collects its [[topics]]. InvalidArgument listing every
  // fault (unreadable file, TOML syntax, unknown section or key, wrong type, bad value), one
  // per line as "FILE:LINE: ...". An empty path does nothing.
  absl::Status ApplyFile(const std::string& path);
  // Sets every flag whose HERALD_<FLAG> variable is set. Other HERALD_* variables (those of
  // heraldctl) are not heraldd's and are left alone.
  absl::Status ApplyEnvironment(const Getenv& getenv = ::getenv);
  // After absl::ParseCommandLine: records which flags the command line set, for messages.
  void NoteCommandLine();
  // Checks every setting's value (ports, files that must exist, choices, positive
  // durations); InvalidArgument listing every fault, each naming where its value came from.
  absl::Status Validate() const;

  // The effective configuration as a config file, every value followed by its source;
  // passwords in URLs are masked.
  std::string Print() const;
  const std::vector<DeclaredTopic>& topics() const { return topics_; }

 private:
  // Where a flag's value came from: "FILE:LINE", "HERALD_X", "--x"; absent: the default.
  std::string SourceOf(absl::string_view flag) const;

  // Flag name → where its current value was set, and the text it was set to.
  struct Origin {
    std::string where;
    std::string value;
  };
  std::map<std::string, Origin, std::less<>> origins_;
  std::vector<DeclaredTopic> topics_;
};

// A declared topic that SyncDeclaredTopics created or changed.
struct TopicChange {
  // "created" or "updated".
  std::string action;
  const DeclaredTopic* topic = nullptr;
};

// Creates the declared topics that are missing and updates those whose config differs.
// Stops at the first error (Unavailable while the engine is not ready: try again later).
absl::StatusOr<std::vector<TopicChange>> SyncDeclaredTopics(
    Broker& broker, const std::vector<DeclaredTopic>& topics);

}  // namespace herald::heraldd

#endif  // HERALD_BROKER_HERALDD_CONFIG_H_
