#include "admin/command_line.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace herald::admin {

std::optional<std::string> CommandLine::Value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                             const std::set<std::string>& value_flags,
                                             const std::set<std::string>& bool_flags) {
  CommandLine line;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      line.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "-h") {
      line.switches.insert("help");
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag '%s'; flags are spelled --name", arg));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (bool_flags.count(name) > 0) {
      if (value && *value != "true") {
        if (*value == "false") continue;
        return absl::InvalidArgumentError(
            absl::StrFormat("--%s takes no value (or =true / =false)", name));
      }
      line.switches.insert(name);
    } else if (value_flags.count(name) > 0) {
      if (!value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError(absl::StrFormat("--%s needs a value", name));
        }
        value = args[++i];
      }
      line.values[name] = *value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag --%s; see --help for this command's flags", name));
    }
  }
  return line;
}

}  // namespace herald::admin
