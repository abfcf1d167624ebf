// heraldctl's command line: positional words and --flags, in any order.
//
// absl flags cannot scope flags to subcommands, so heraldctl parses by hand: every word that
// does not start with "--" is positional; "--name=value" and "--name value" set a value flag;
// boolean flags take no value. Underscores in flag names read as dashes.
//
//   absl::StatusOr<CommandLine> line = ParseCommandLine(args, {"server", "from"}, {"help"});
//   line->positional;          // {"tail", "orders"}
//   line->Value("from");       // "AbC..." or nullopt
#ifndef HERALD_ADMIN_COMMAND_LINE_H_
#define HERALD_ADMIN_COMMAND_LINE_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace herald::admin {

struct CommandLine {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> switches;

  std::optional<std::string> Value(const std::string& name) const;
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

// InvalidArgument for an unknown flag, a value flag without a value, or a value given to a
// boolean flag. A lone "-" is positional (stdin), and "--" ends flags.
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                             const std::set<std::string>& value_flags,
                                             const std::set<std::string>& bool_flags);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_COMMAND_LINE_H_
