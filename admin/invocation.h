// What a heraldctl command runs with: the global flags, its output, and (on demand) the
// contexts file and the control plane.
//
//   commands.Add(root, "stats", "...", Remote([](const ControlPlane& plane, Printer& out) {
//     auto stub = v1::AdminService::NewStub(plane.channel());
//     ...
//   }));
#ifndef HERALD_ADMIN_INVOCATION_H_
#define HERALD_ADMIN_INVOCATION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "admin/command_line.h"
#include "admin/contexts.h"
#include "admin/control_plane.h"
#include "admin/failure.h"
#include "admin/output.h"

namespace herald::admin {

// The root's flags, as parsed.
struct GlobalFlags {
  // --context (HERALD_CONTEXT); unset: the contexts file's current one.
  std::optional<std::string> context;
  ConnectionFlags connection;
  OutputFormat output = OutputFormat::kTable;
  bool no_headers = false;
};

// One per run. Not thread-safe.
class Invocation {
 public:
  // `contexts_path` is ContextsPath's answer: without a path, commands that need no context
  // still run.
  Invocation(const GlobalFlags& flags, absl::StatusOr<std::string> contexts_path,
             std::ostream& out);

  const GlobalFlags& flags() const { return flags_; }
  Printer& out() { return printer_; }
  const absl::StatusOr<std::string>& contexts_path() const { return contexts_path_; }

  absl::StatusOr<ContextsFile> LoadContextsFile() const;
  // The context --context names, else the file's current one; nullopt for none. NotFound for
  // a name the file does not hold.
  absl::StatusOr<std::optional<Context>> SelectedContext() const;
  // The control plane of the flags over the selected context.
  absl::StatusOr<std::unique_ptr<ControlPlane>> Connect() const;

 private:
  const GlobalFlags& flags_;
  absl::StatusOr<std::string> contexts_path_;
  Printer printer_;
};

// A command that talks to the control plane: connects, then runs.
using RemoteRun = std::function<std::optional<Failure>(const ControlPlane&, Printer&)>;
CommandSet::Run Remote(RemoteRun run);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_INVOCATION_H_
