// heraldctl's command tree on CLI11: one set of definitions makes the parser, the help and the
// bash completion (admin/completion.h).
//
//   CLI::App root("heraldctl: ...", "heraldctl");
//   CommandSet commands(root);
//   CLI::App& topics = commands.AddGroup(root, "topics", "manage topics");
//   auto name = std::make_shared<std::string>();
//   CLI::App& get = commands.Add(topics, "get", "show a topic", [name](Invocation& in) {...});
//   get.add_option("TOPIC", *name, "the topic")->required();
//   auto parsed = commands.Parse({"topics", "get", "orders"});   // the "get" command
//
// Flags belong to a command; the root's flags are global and may come before or after the
// command words. An unknown flag, or a word no command takes, is a usage error. Positional
// names say what completes them: TOPIC (topic names), CONTEXT (context names), FILE. A flag's
// type name does the same (FILE, CONTEXT, TOPIC), and one with '|' lists the flag's choices.
#ifndef HERALD_ADMIN_COMMAND_LINE_H_
#define HERALD_ADMIN_COMMAND_LINE_H_

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "admin/failure.h"

namespace herald::admin {

class Invocation;

// Help asked for (--help, -h, help), or a bare group; printed on stdout.
struct HelpText {
  std::string text;
  int exit_code = 0;
};

// Owns what each command does. The CLI::App tree is the caller's; a CommandSet lives as long
// as it. Not thread-safe.
class CommandSet {
 public:
  using Run = std::function<std::optional<Failure>(Invocation&)>;
  // The parser's answer: the command to run, help to print, or a usage error.
  using Parsed = std::variant<const CLI::App*, HelpText, Failure>;

  // Sets up `root`: global flags fall through from commands, help lists the whole tree.
  explicit CommandSet(CLI::App& root);

  // A command that only holds subcommands ("topics", "connections").
  CLI::App& AddGroup(CLI::App& parent, const std::string& name, const std::string& description);
  // A command that runs `run` when chosen.
  CLI::App& Add(CLI::App& parent, const std::string& name, const std::string& description, Run run);

  // `args` without the program name. A returned App is one added with Add.
  Parsed Parse(const std::vector<std::string>& args);
  const Run& RunOf(const CLI::App& command) const { return runs_.at(&command); }

 private:
  CLI::App& root_;
  std::map<const CLI::App*, Run> runs_;
};

// "heraldctl topics create".
std::string CommandPath(const CLI::App& command);

// A list flag's items: --topics 'a b', --topics a,b and --topics a --topics b all mean a and b.
std::vector<std::string> SplitListFlag(const std::vector<std::string>& values);

// Every command under `group` that runs something, in definition order.
std::vector<const CLI::App*> Leaves(const CLI::App& group);

// A flag taking one of `choices`: each name maps to the value stored in `variable`; help and
// completion show the names ("table|wide|json|yaml").
template <typename T, typename Value>
CLI::Option* AddChoice(CLI::App& command, const std::string& name, T& variable,
                       const std::vector<std::pair<std::string, Value>>& choices,
                       const std::string& description) {
  std::vector<std::string> names;
  for (const auto& choice : choices) names.push_back(choice.first);
  CLI::Validator one_of(
      [names](std::string& value) -> std::string {
        if (std::find(names.begin(), names.end(), value) != names.end()) return "";
        return "'" + value + "' is not one of " + absl::StrJoin(names, ", ");
      },
      "");
  // Transforms run last added first: the name is checked, then mapped to its value.
  return command.add_option(name, variable, description)
      ->transform(CLI::Transformer(choices).description(""))
      ->transform(one_of)
      ->type_name(absl::StrJoin(names, "|"));
}

}  // namespace herald::admin

#endif  // HERALD_ADMIN_COMMAND_LINE_H_
