#include "admin/command_line.h"

#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace herald::admin {
namespace {

constexpr size_t kHelpWidth = 100;

std::vector<const CLI::App*> Subcommands(const CLI::App& command) {
  return command.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

bool IsGroup(const CLI::App& command) { return !Subcommands(command).empty(); }

const CLI::App& Root(const CLI::App& command) {
  const CLI::App* app = &command;
  while (app->get_parent() != nullptr) app = app->get_parent();
  return *app;
}

// The deepest command the parser went into.
const CLI::App& Chosen(const CLI::App& root) {
  const CLI::App* app = &root;
  while (!app->get_subcommands().empty()) app = app->get_subcommands().front();
  return *app;
}

// The command's words below `group`: "create" under topics, "topics create" under the root.
std::string RelativePath(const CLI::App& command, const CLI::App& group) {
  std::vector<std::string> words;
  for (const CLI::App* app = &command; app != nullptr && app != &group; app = app->get_parent()) {
    words.insert(words.begin(), app->get_name());
  }
  return absl::StrJoin(words, " ");
}

// "TOPIC [DATA]", "TOPIC...".
std::string PositionalUsage(const CLI::App& command) {
  std::vector<std::string> words;
  for (const CLI::Option* option :
       command.get_options([](const CLI::Option* o) { return o->get_positional(); })) {
    std::string word = option->get_name(/*positional=*/true);
    if (option->get_expected_max() >= CLI::detail::expected_max_vector_size) word += "...";
    words.push_back(option->get_required() ? word : absl::StrCat("[", word, "]"));
  }
  return absl::StrJoin(words, " ");
}

std::string CommandUsage(const CLI::App& command, const CLI::App& group) {
  std::string usage = RelativePath(command, group);
  if (std::string positionals = PositionalUsage(command); !positionals.empty()) {
    absl::StrAppend(&usage, " ", positionals);
  }
  return usage;
}

// `words` joined by spaces, broken into lines of at most kHelpWidth columns.
std::string Wrap(const std::vector<std::string>& words, const std::string& indent) {
  std::string out;
  size_t column = 0;
  for (const std::string& word : words) {
    if (column > 0 && column + 1 + word.size() > kHelpWidth) {
      out += "\n";
      column = 0;
    }
    const std::string lead = column == 0 ? indent : " ";
    absl::StrAppend(&out, lead, word);
    column += lead.size() + word.size();
  }
  return out;
}

// Help that lists every command of the tree below the one asked about, with its arguments,
// and reminds a command's help of the global flags.
class CommandFormatter : public CLI::Formatter {
 public:
  CommandFormatter() {
    label("Positionals", "Arguments");
    label("SUBCOMMAND", "COMMAND");
  }

  std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode) const override {
    std::vector<const CLI::App*> leaves = Leaves(*app);
    if (leaves.empty()) return "";
    std::stringstream out;
    out << "\nCommands:\n";
    for (const CLI::App* leaf : leaves) {
      CLI::detail::format_help(out, CommandUsage(*leaf, *app), leaf->get_description(),
                               get_column_width());
    }
    return out.str();
  }

  // An argument's name says what it is; a type after it ("TOPIC TEXT") says nothing more.
  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->get_positional()) return "";
    return CLI::Formatter::make_option_opts(option);
  }

  std::string make_footer(const CLI::App* app) const override {
    std::string footer;
    if (!app->get_footer().empty()) {
      footer = Wrap(absl::StrSplit(app->get_footer(), ' ', absl::SkipEmpty()), "") + "\n";
    }
    if (app->get_parent() == nullptr) return footer;
    const CLI::App& root = Root(*app);
    const CLI::Option* help = root.get_help_ptr();
    std::vector<std::string> flags;
    for (const CLI::Option* option : root.get_options(
             [help](const CLI::Option* o) { return o->nonpositional() && o != help; })) {
      flags.push_back(option->get_name(/*positional=*/false, /*all_options=*/true));
    }
    return absl::StrCat(footer, "Global options (", root.get_name(),
                        " --help explains them), before or after the command:\n", Wrap(flags, "  "),
                        "\n");
  }
};

std::string Unexpected(const CLI::App& chosen, const std::vector<std::string>& extras) {
  const std::string& first = extras.front();
  const std::string path = CommandPath(chosen);
  if (first.size() > 1 && first[0] == '-') {
    return absl::StrFormat("unknown flag %s for %s; see %s --help",
                           first.substr(0, first.find('=')), path, path);
  }
  if (chosen.get_parent() == nullptr) {
    return absl::StrFormat("unknown command '%s'; run %s --help for the commands", first, path);
  }
  if (IsGroup(chosen)) {
    return absl::StrFormat("unknown command '%s %s'; see %s --help for its commands", path, first,
                           path);
  }
  return absl::StrFormat("unexpected argument '%s'; usage: %s %s; see %s --help", first,
                         Root(chosen).get_name(), CommandUsage(chosen, Root(chosen)), path);
}

std::string NeedsCommand(const CLI::App& group) {
  std::vector<std::string> names;
  for (const CLI::App* sub : Subcommands(group)) names.push_back(sub->get_name());
  const std::string path = CommandPath(group);
  return absl::StrFormat("%s needs a command: %s; see %s --help", path, absl::StrJoin(names, ", "),
                         path);
}

}  // namespace

CommandSet::CommandSet(CLI::App& root) : root_(root) {
  // Commands inherit these when they are added.
  root.formatter(std::make_shared<CommandFormatter>());
  root.fallthrough();
  // One command per level: past it, a word that names another command is an argument
  // ("publish orders stats" publishes "stats").
  root.require_subcommand(0, 1);
}

CLI::App& CommandSet::AddGroup(CLI::App& parent, const std::string& name,
                               const std::string& description) {
  return *parent.add_subcommand(name, description);
}

CLI::App& CommandSet::Add(CLI::App& parent, const std::string& name, const std::string& description,
                          Run run) {
  CLI::App* command = parent.add_subcommand(name, description);
  runs_.emplace(command, std::move(run));
  return *command;
}

CommandSet::Parsed CommandSet::Parse(const std::vector<std::string>& args) {
  if (args.empty()) return HelpText{root_.help(), kExitUsage};
  // CLI11 consumes its arguments from the back.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    root_.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    // The root's help is the help of the command chosen.
    return HelpText{root_.help()};
  } catch (const CLI::ExtrasError&) {
    return Usage(Unexpected(Chosen(root_), root_.remaining(/*recurse=*/true)));
  } catch (const CLI::ParseError& error) {
    return Usage(absl::StrFormat("%s; see %s --help", error.what(), CommandPath(Chosen(root_))));
  }
  const CLI::App& chosen = Chosen(root_);
  if (runs_.count(&chosen) == 0) return Usage(NeedsCommand(chosen));
  return &chosen;
}

std::string CommandPath(const CLI::App& command) {
  const CLI::App& root = Root(command);
  if (&command == &root) return root.get_name();
  return absl::StrCat(root.get_name(), " ", RelativePath(command, root));
}

std::vector<const CLI::App*> Leaves(const CLI::App& group) {
  std::vector<const CLI::App*> leaves;
  for (const CLI::App* sub : Subcommands(group)) {
    if (!IsGroup(*sub)) {
      leaves.push_back(sub);
      continue;
    }
    std::vector<const CLI::App*> below = Leaves(*sub);
    leaves.insert(leaves.end(), below.begin(), below.end());
  }
  return leaves;
}

std::vector<std::string> SplitListFlag(const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const std::string& value : values) {
    for (absl::string_view item : absl::StrSplit(value, absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
      items.emplace_back(item);
    }
  }
  return items;
}

}  // namespace herald::admin
