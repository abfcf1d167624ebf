#include "admin/invocation.h"

#include <utility>

namespace herald::admin {

Invocation::Invocation(const GlobalFlags& flags, absl::StatusOr<std::string> contexts_path,
                       std::ostream& out)
    : flags_(flags),
      contexts_path_(std::move(contexts_path)),
      printer_(flags.output, flags.no_headers ? Table::kNoHeaders : Table::kWithHeaders, out) {}

absl::StatusOr<ContextsFile> Invocation::LoadContextsFile() const {
  if (!contexts_path_.ok()) return contexts_path_.status();
  return LoadContexts(*contexts_path_);
}

absl::StatusOr<std::optional<Context>> Invocation::SelectedContext() const {
  // With no place for a contexts file there is no current context, which is no error.
  if (!contexts_path_.ok() && !flags_.context) return std::nullopt;
  absl::StatusOr<ContextsFile> file = LoadContextsFile();
  if (!file.ok()) return file.status();
  absl::StatusOr<const Context*> context = FindContext(*file, flags_.context.value_or(""));
  if (!context.ok()) return context.status();
  if (*context == nullptr) return std::nullopt;
  return **context;
}

absl::StatusOr<std::unique_ptr<ControlPlane>> Invocation::Connect() const {
  absl::StatusOr<std::optional<Context>> context = SelectedContext();
  if (!context.ok()) return context.status();
  absl::StatusOr<ConnectionSettings> settings =
      ResolveConnection(flags_.connection, context->has_value() ? &**context : nullptr);
  if (!settings.ok()) return settings.status();
  return ControlPlane::Open(*std::move(settings));
}

CommandSet::Run Remote(RemoteRun run) {
  return [run = std::move(run)](Invocation& invocation) -> std::optional<Failure> {
    absl::StatusOr<std::unique_ptr<ControlPlane>> plane = invocation.Connect();
    if (!plane.ok()) return FromLocalStatus(plane.status());
    return run(**plane, invocation.out());
  };
}

}  // namespace herald::admin
