// heraldctl's contexts: named ways to reach a control plane (server, TLS files, API key
// file, token secret file), kept in one file, $XDG_CONFIG_HOME/herald/contexts.json
// (~/.config/herald/contexts.json when XDG_CONFIG_HOME is unset), as `nats context` keeps its.
//
//   absl::StatusOr<std::string> path =
//       ContextsPath(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME"));
//   absl::StatusOr<ContextsFile> file = LoadContexts(*path);
//   (*file->mutable_contexts())["dev"].set_server("127.0.0.1:50051");
//   absl::Status saved = SaveContexts(*path, *file);
//
// The file is JSON, protobuf's mapping of herald.admin.ContextsFile (admin/heraldctl.proto);
// it holds paths to secrets, never secrets, and is still written readable by its owner only.
#ifndef HERALD_ADMIN_CONTEXTS_H_
#define HERALD_ADMIN_CONTEXTS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "admin/heraldctl.pb.h"

namespace herald::admin {

// The file's path from the values of XDG_CONFIG_HOME and HOME (null or empty when unset).
// FailedPrecondition when both are unset.
absl::StatusOr<std::string> ContextsPath(const char* xdg_config_home, const char* home);

// An empty file when there is none yet. InvalidArgument, naming the file, when it is not a
// contexts file; PermissionDenied when it cannot be read.
absl::StatusOr<ContextsFile> LoadContexts(const std::string& path);

// Replaces the file at once (a reader sees the old file or the new one), creating its folder.
absl::Status SaveContexts(const std::string& path, const ContextsFile& file);

// InvalidArgument unless `name` is 1 to 64 letters, digits, '.', '_' or '-'.
absl::Status ValidateContextName(std::string_view name);

// The context called `name` or, when `name` is empty, the file's current one; nullptr when
// neither is set. NotFound, saying how to list them, for a name the file does not hold.
absl::StatusOr<const Context*> FindContext(const ContextsFile& file, std::string_view name);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_CONTEXTS_H_
