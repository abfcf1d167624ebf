// heraldctl: the operator's command-line client of Herald's gRPC control plane.
//
//   heraldctl topics create orders --max-events 10000 --max-age 24h
//   heraldctl publish orders '{"id":1}' --event created
//   heraldctl tail orders --from <cursor>
//   heraldctl -o json stats
//   heraldctl context add prod --server herald.internal:50051 --api-key-file ~/.herald-key
//
// Depends on the API only (//api), never on the broker: it is a client like any other.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "admin/command_line.h"
#include "admin/completion.h"
#include "admin/context_commands.h"
#include "admin/contexts.h"
#include "admin/invocation.h"
#include "admin/key_commands.h"
#include "admin/node_commands.h"
#include "admin/output.h"
#include "admin/stream_commands.h"
#include "admin/token_commands.h"
#include "admin/topic_commands.h"
#include "grpcpp/grpcpp.h"

namespace herald::admin {
namespace {

// heraldctl's own release number. What it can talk to is set by kApi, the API package, which
// changes only with a new version of the API (docs/api.md).
constexpr char kVersion[] = "0.1.0";
constexpr char kApi[] = "herald.v1";

void AddGlobalFlags(CLI::App& root, GlobalFlags& flags) {
  ConnectionFlags& connection = flags.connection;
  root.add_option("--context", flags.context, "use this context rather than the current one")
      ->envname("HERALD_CONTEXT")
      ->type_name("CONTEXT");
  root.add_option("--server", connection.server,
                  absl::StrFormat("control plane address (default %s)", kDefaultServer))
      ->envname("HERALD_SERVER")
      ->type_name("HOST:PORT");
  // A bare --token (or --token=) is allowed: it sends no key, whatever the context says.
  root.add_option("--token", connection.token,
                  "API key, sent as 'authorization: Bearer KEY'; --token= sends none")
      ->envname("HERALD_TOKEN")
      ->type_name("KEY")
      ->expected(0, 1);
  root.add_option("--api-key-file", connection.api_key_file, "read the API key from this file")
      ->envname("HERALD_API_KEY_FILE")
      ->type_name("FILE");
  // A callback rather than a variable: an optional<bool> flag reads false when absent, and
  // absent must leave the context's choice. --tls=false counts as -1.
  root.add_flag_function(
      "--tls", [&connection](int64_t count) { connection.tls = count > 0; },
      "use TLS with the system's root certificates (--tls=false: plaintext)");
  root.add_option("--tls-ca", connection.tls_ca, "use TLS, trusting this CA")
      ->envname("HERALD_TLS_CA")
      ->type_name("FILE");
  root.add_option("--tls-cert", connection.tls_cert, "client certificate for mutual TLS")
      ->envname("HERALD_TLS_CERT")
      ->type_name("FILE");
  root.add_option("--tls-key", connection.tls_key, "its private key")
      ->envname("HERALD_TLS_KEY")
      ->type_name("FILE");
  root.add_option("--timeout", connection.timeout,
                  "per call, and for connecting before a stream (default 5s)")
      ->type_name("DURATION");
  AddChoice(root, "-o,--output", flags.output, OutputFormatNames(),
            "tables (wide: more columns), or JSON or YAML for scripts")
      ->envname("HERALD_OUTPUT");
  root.add_flag("--no-headers", flags.no_headers, "print tables without their header line");
}

std::optional<Failure> PrintVersion(Invocation& invocation) {
  Printer& out = invocation.out();
  if (!out.structured()) {
    out.PrintLine(
        absl::StrFormat("heraldctl %s (API %s, gRPC %s)", kVersion, kApi, grpc::Version()));
    return std::nullopt;
  }
  Version version;
  version.set_heraldctl(kVersion);
  version.set_api(kApi);
  version.set_grpc(grpc::Version());
  out.Print(version);
  return std::nullopt;
}

// help COMMAND...: the same text as COMMAND --help.
std::optional<Failure> PrintHelp(const CLI::App& root, const std::vector<std::string>& words,
                                 Invocation& invocation) {
  const CLI::App* command = &root;
  for (const std::string& word : words) {
    const CLI::App* sub = nullptr;
    for (const CLI::App* candidate : command->get_subcommands({})) {
      if (candidate->get_name() == word) sub = candidate;
    }
    if (sub == nullptr) {
      return Usage(absl::StrFormat("no command '%s %s'; run %s --help for the commands",
                                   CommandPath(*command), word, root.get_name()));
    }
    command = sub;
  }
  const std::string parent =
      command->get_parent() == nullptr ? "" : CommandPath(*command->get_parent());
  invocation.out().PrintLine(command->help(parent));
  return std::nullopt;
}

void AddLocalCommands(CLI::App& root, CommandSet& commands) {
  commands.Add(root, "version", "heraldctl's version, the API it speaks and its gRPC library",
               PrintVersion);
  CLI::App& completion = commands.AddGroup(root, "completion", "shell completion scripts");
  commands
      .Add(completion, "bash", "print the bash completion script",
           [&root](Invocation& invocation) -> std::optional<Failure> {
             invocation.out().PrintLine(BashCompletion(root));
             return std::nullopt;
           })
      .footer("Load it with: source <(heraldctl completion bash)");
  auto words = std::make_shared<std::vector<std::string>>();
  commands
      .Add(root, "help", "help for heraldctl or one of its commands",
           [&root, words](Invocation& invocation) { return PrintHelp(root, *words, invocation); })
      .add_option("COMMAND", *words, "the command's words, such as: topics create");
}

int Report(const Failure& failure) {
  std::cerr << "error: " << failure.code << ": " << failure.message << "\n";
  return failure.exit_code;
}

int Run(const std::vector<std::string>& args) {
  CLI::App root("heraldctl: manage a Herald broker over its gRPC control plane.", "heraldctl");
  CommandSet commands(root);
  root.footer(
      "Run 'heraldctl COMMAND --help' for a command's flags. Exit status: 0 on success, 1 when "
      "the server (or heraldctl) reports an error, printed as 'error: CODE: message', 2 for "
      "usage errors.");
  GlobalFlags flags;
  AddGlobalFlags(root, flags);
  AddTopicCommands(root, commands);
  AddStreamCommands(root, commands);
  AddNodeCommands(root, commands);
  AddContextCommands(root, commands);
  AddTokenCommands(root, commands);
  AddKeyCommands(root, commands);
  AddLocalCommands(root, commands);

  CommandSet::Parsed parsed = commands.Parse(args);
  if (const HelpText* help = std::get_if<HelpText>(&parsed)) {
    std::cout << help->text;
    return help->exit_code;
  }
  if (const Failure* failure = std::get_if<Failure>(&parsed)) return Report(*failure);
  Invocation invocation(flags, ContextsPath(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")),
                        std::cout);
  std::optional<Failure> failure = commands.RunOf(*std::get<const CLI::App*>(parsed))(invocation);
  return failure ? Report(*failure) : EXIT_SUCCESS;
}

}  // namespace
}  // namespace herald::admin

int main(int argc, char** argv) {
  return herald::admin::Run(std::vector<std::string>(argv + 1, argv + argc));
}
