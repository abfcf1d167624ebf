#include "admin/context_commands.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "admin/contexts.h"
#include "admin/invocation.h"
#include "admin/output.h"
#include "admin/table.h"

namespace herald::admin {
namespace {

struct ContextFlags {
  std::string name;
  std::optional<std::string> name_to_show;
  std::string server;
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string api_key_file;
  std::string secret_file;
};

// A path that still means the same file when heraldctl runs from another folder. `flag` names
// it in errors.
absl::StatusOr<std::string> StoredPath(const std::string& path, const std::string& flag) {
  if (path.empty()) return path;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: no file '%s'", flag, path));
  }
  return std::filesystem::absolute(path).lexically_normal().string();
}

absl::StatusOr<Context> ContextFromFlags(const ContextFlags& flags) {
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: mutual TLS needs both");
  }
  Context context;
  context.set_server(flags.server);
  context.set_tls(flags.tls);
  struct FileFlag {
    const std::string& path;
    const char* flag;
    std::string* field;
  };
  for (const FileFlag& file :
       {FileFlag{flags.tls_ca, "--tls-ca", context.mutable_tls_ca()},
        FileFlag{flags.tls_cert, "--tls-cert", context.mutable_tls_cert()},
        FileFlag{flags.tls_key, "--tls-key", context.mutable_tls_key()},
        FileFlag{flags.api_key_file, "--api-key-file", context.mutable_api_key_file()},
        FileFlag{flags.secret_file, "--secret-file", context.mutable_secret_file()}}) {
    absl::StatusOr<std::string> path = StoredPath(file.path, file.flag);
    if (!path.ok()) return path.status();
    *file.field = *std::move(path);
  }
  return context;
}

// Loads the file, lets `change` edit it, and saves it when `change` succeeds.
template <typename Change>
std::optional<Failure> EditContexts(const Invocation& invocation, Change change) {
  absl::StatusOr<ContextsFile> file = invocation.LoadContextsFile();
  if (!file.ok()) return FromLocalStatus(file.status());
  if (absl::Status status = change(*file); !status.ok()) return FromLocalStatus(status);
  if (absl::Status status = SaveContexts(*invocation.contexts_path(), *file); !status.ok()) {
    return FromLocalStatus(status);
  }
  return std::nullopt;
}

std::optional<Failure> AddContext(const ContextFlags& flags, Invocation& invocation) {
  if (absl::Status status = ValidateContextName(flags.name); !status.ok()) {
    return FromLocalStatus(status);
  }
  absl::StatusOr<Context> context = ContextFromFlags(flags);
  if (!context.ok()) return FromLocalStatus(context.status());
  bool made_current = false;
  auto failure = EditContexts(invocation, [&](ContextsFile& file) {
    if (file.contexts().count(flags.name) > 0) {
      return absl::AlreadyExistsError(
          absl::StrFormat("context '%s' exists; remove it first with heraldctl context rm %s",
                          flags.name, flags.name));
    }
    (*file.mutable_contexts())[flags.name] = *context;
    // The first context is the one meant: using it needs no second step.
    made_current = file.current().empty();
    if (made_current) file.set_current(flags.name);
    return absl::OkStatus();
  });
  if (failure) return failure;
  invocation.out().PrintLine(
      made_current
          ? absl::StrFormat("added context '%s' and made it current", flags.name)
          : absl::StrFormat("added context '%s'; switch to it with heraldctl context use %s",
                            flags.name, flags.name));
  return std::nullopt;
}

std::optional<Failure> UseContext(const ContextFlags& flags, Invocation& invocation) {
  auto failure = EditContexts(invocation, [&](ContextsFile& file) -> absl::Status {
    if (absl::StatusOr<const Context*> found = FindContext(file, flags.name); !found.ok()) {
      return found.status();
    }
    file.set_current(flags.name);
    return absl::OkStatus();
  });
  if (failure) return failure;
  invocation.out().PrintLine(absl::StrFormat("switched to context '%s'", flags.name));
  return std::nullopt;
}

std::optional<Failure> RemoveContext(const ContextFlags& flags, Invocation& invocation) {
  auto failure = EditContexts(invocation, [&](ContextsFile& file) -> absl::Status {
    if (absl::StatusOr<const Context*> found = FindContext(file, flags.name); !found.ok()) {
      return found.status();
    }
    file.mutable_contexts()->erase(flags.name);
    if (file.current() == flags.name) file.clear_current();
    return absl::OkStatus();
  });
  if (failure) return failure;
  invocation.out().PrintLine(absl::StrFormat("removed context '%s'", flags.name));
  return std::nullopt;
}

bool UsesTls(const Context& context) {
  return context.tls() || !context.tls_ca().empty() || !context.tls_cert().empty();
}

Table ContextTable(const ContextList& list, bool wide) {
  std::vector<std::string> headers = {"NAME", "CURRENT", "SERVER", "TLS", "API_KEY_FILE"};
  if (wide) headers.insert(headers.end(), {"TLS_CA", "TLS_CERT", "TLS_KEY", "SECRET_FILE"});
  Table table(headers);
  for (const NamedContext& named : list.contexts()) {
    const Context& c = named.context();
    std::vector<std::string> row = {named.name(), named.current() ? "*" : "", c.server(),
                                    UsesTls(c) ? "yes" : "no", c.api_key_file()};
    if (wide) row.insert(row.end(), {c.tls_ca(), c.tls_cert(), c.tls_key(), c.secret_file()});
    table.AddRow(std::move(row));
  }
  return table;
}

std::optional<Failure> ListContexts(Invocation& invocation) {
  absl::StatusOr<ContextsFile> file = invocation.LoadContextsFile();
  if (!file.ok()) return FromLocalStatus(file.status());
  ContextList list;
  for (const auto& [name, context] : file->contexts()) {
    NamedContext& named = *list.add_contexts();
    named.set_name(name);
    named.set_current(name == file->current());
    *named.mutable_context() = context;
  }
  std::sort(list.mutable_contexts()->begin(), list.mutable_contexts()->end(),
            [](const NamedContext& a, const NamedContext& b) { return a.name() < b.name(); });
  Printer& out = invocation.out();
  if (out.structured()) {
    out.Print(list);
  } else {
    out.Print(ContextTable(list, out.wide()));
  }
  return std::nullopt;
}

Table ContextFields(const NamedContext& named) {
  const Context& c = named.context();
  Table table({"FIELD", "VALUE"});
  table.AddRow({"name", named.name()});
  table.AddRow({"current", named.current() ? "yes" : "no"});
  table.AddRow({"server", c.server()});
  table.AddRow({"tls", UsesTls(c) ? "yes" : "no"});
  table.AddRow({"tls_ca", c.tls_ca()});
  table.AddRow({"tls_cert", c.tls_cert()});
  table.AddRow({"tls_key", c.tls_key()});
  table.AddRow({"api_key_file", c.api_key_file()});
  table.AddRow({"secret_file", c.secret_file()});
  return table;
}

// CONTEXT, else --context, else the current one.
std::optional<Failure> ShowContext(const ContextFlags& flags, Invocation& invocation) {
  absl::StatusOr<ContextsFile> file = invocation.LoadContextsFile();
  if (!file.ok()) return FromLocalStatus(file.status());
  const std::string name =
      flags.name_to_show.value_or(invocation.flags().context.value_or(file->current()));
  if (name.empty()) {
    return Failure{"NOT_FOUND",
                   "no current context; add one with heraldctl context add NAME --server "
                   "HOST:PORT, or pick one with heraldctl context use NAME"};
  }
  absl::StatusOr<const Context*> context = FindContext(*file, name);
  if (!context.ok()) return FromLocalStatus(context.status());
  NamedContext named;
  named.set_name(name);
  named.set_current(name == file->current());
  *named.mutable_context() = **context;
  Printer& out = invocation.out();
  if (out.structured()) {
    out.Print(named);
  } else {
    out.Print(ContextFields(named));
  }
  return std::nullopt;
}

void AddContextAdd(CLI::App& context, CommandSet& commands,
                   const std::shared_ptr<ContextFlags>& flags) {
  CLI::App& add =
      commands.Add(context, "add", "add a context: how to reach one control plane",
                   [flags](Invocation& invocation) { return AddContext(*flags, invocation); });
  add.add_option("NAME", flags->name, "the new context's name")->required();
  add.add_option("--server", flags->server, "the control plane's address")
      ->type_name("HOST:PORT")
      ->required();
  add.add_flag("--tls", flags->tls, "use TLS with the system's root certificates");
  add.add_option("--tls-ca", flags->tls_ca, "use TLS, trusting this CA")->type_name("FILE");
  add.add_option("--tls-cert", flags->tls_cert, "client certificate for mutual TLS")
      ->type_name("FILE");
  add.add_option("--tls-key", flags->tls_key, "its private key")->type_name("FILE");
  add.add_option("--api-key-file", flags->api_key_file,
                 "file holding the API key (the key is not copied)")
      ->type_name("FILE");
  add.add_option("--secret-file", flags->secret_file,
                 "file holding the browser token secret, for heraldctl token create")
      ->type_name("FILE");
}

}  // namespace

void AddContextCommands(CLI::App& root, CommandSet& commands) {
  CLI::App& context = commands.AddGroup(
      root, "context", "named control planes: server, TLS, API key and token secret files");
  context.footer(
      "Contexts are kept in $XDG_CONFIG_HOME/herald/contexts.json (~/.config/herald/ without "
      "XDG_CONFIG_HOME). Commands use the current context, or the one --context names; a flag "
      "or its environment variable overrides the context's setting.");
  // One command runs per invocation, so the commands share one set of flag variables.
  auto flags = std::make_shared<ContextFlags>();
  AddContextAdd(context, commands, flags);
  commands
      .Add(context, "use", "make a context the current one",
           [flags](Invocation& invocation) { return UseContext(*flags, invocation); })
      .add_option("CONTEXT", flags->name, "the context")
      ->required();
  commands.Add(context, "list", "list the contexts; * marks the current one", ListContexts);
  commands
      .Add(context, "show", "show a context's settings (default: the current one)",
           [flags](Invocation& invocation) { return ShowContext(*flags, invocation); })
      .add_option("CONTEXT", flags->name_to_show, "the context");
  commands
      .Add(context, "rm", "remove a context",
           [flags](Invocation& invocation) { return RemoveContext(*flags, invocation); })
      .add_option("CONTEXT", flags->name, "the context")
      ->required();
}

}  // namespace herald::admin
