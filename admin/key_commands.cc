#include "admin/key_commands.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "admin/api_key.h"
#include "admin/invocation.h"
#include "admin/output.h"

namespace herald::admin {
namespace {

struct KeyFlags {
  std::vector<std::string> allow;
  std::vector<std::string> topics;
  std::string name;
  bool generate = false;
};

std::optional<Failure> HashKey(const KeyFlags& flags, Invocation& invocation) {
  std::string key;
  if (flags.generate) {
    key = GenerateApiKey();
    // Not on stdout, which goes to the keys file: the key is shown once, to give away.
    std::cerr << "api key (give it to the client; the file keeps only its hash): " << key << "\n";
  } else if (!std::getline(std::cin, key)) {
    return Usage(
        "no key on stdin; pipe one in (printf %s \"$KEY\" | heraldctl keys hash ...) "
        "or pass --generate");
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(key);
  absl::StatusOr<std::string> line = ApiKeyLine(std::string_view(trimmed.data(), trimmed.size()),
                                                {.allow = SplitListFlag(flags.allow),
                                                 .topics = SplitListFlag(flags.topics),
                                                 .name = flags.name});
  if (!line.ok()) return Usage(std::string(line.status().message()));
  invocation.out().PrintLine(*line);
  return std::nullopt;
}

}  // namespace

void AddKeyCommands(CLI::App& root, CommandSet& commands) {
  CLI::App& keys = commands.AddGroup(root, "keys", "control-plane API keys");
  auto flags = std::make_shared<KeyFlags>();
  CLI::App& hash = commands.Add(
      keys, "hash", "print a line of heraldd's --api_keys_file for a key read from stdin",
      [flags](Invocation& invocation) { return HashKey(*flags, invocation); });
  hash.add_option("--allow", flags->allow,
                  "what the key may do: publish, subscribe, manage, admin (comma-separated)")
      ->type_name("ACTIONS")
      ->required();
  hash.add_option("--topics", flags->topics,
                  "topics it reaches, comma-separated; orders.* is a prefix (default: every "
                  "topic)")
      ->type_name("TOPICS");
  hash.add_option("--name", flags->name, "whom refusals name (e.g. the service)")
      ->type_name("NAME");
  hash.add_flag("--generate", flags->generate,
                "make a new random key (printed on stderr) instead of reading one");
  hash.footer(
      "Append the line to the keys file (heraldctl keys hash ... >> keys.txt); the file "
      "stores the key's SHA-256, never the key.");
}

}  // namespace herald::admin
