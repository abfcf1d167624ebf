#include "admin/completion.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/substitute.h"

namespace herald::admin {
namespace {

// The part of the script that does not depend on the tree. $0 is the program's name; the
// generated functions _$0_commands, _$0_flags, _$0_kind and _$0_argument come before it.
constexpr char kDriver[] = R"bash(
# _$0_lookup FUNCTION PATH [FLAG]: FUNCTION's answer for PATH's command or, when it has none,
# for the nearest command above it (the global flags are the top's, and work everywhere).
_$0_lookup() {
  local path=$$2 answer
  while :; do
    answer=$$("$$1" "$$path" "$${@:3}")
    if [[ -n $$answer || -z $$path ]]; then
      echo "$$answer"
      return
    fi
    [[ $$path == *' '* ]] && path=$${path% *} || path=''
  done
}

# _$0_reply KIND: the candidates for the word being completed ($$cur) by kind of value.
_$0_reply() {
  local names
  case "$$1" in
    file) COMPREPLY=($$(compgen -f -- "$$cur")) ;;
    context)
      names=$$("$${COMP_WORDS[0]}" context list --no-headers 2>/dev/null | awk '{print $$1}')
      COMPREPLY=($$(compgen -W "$$names" -- "$$cur"))
      ;;
    topic)
      names=$$("$${COMP_WORDS[0]}" topics list --no-headers --timeout 2s 2>/dev/null |
        awk '{print $$1}')
      COMPREPLY=($$(compgen -W "$$names" -- "$$cur"))
      ;;
    choice\ *) COMPREPLY=($$(compgen -W "$${1#choice }" -- "$$cur")) ;;
  esac
}

_$0() {
  local cur=$${COMP_WORDS[COMP_CWORD]} path='' word kind flag='' i
  COMPREPLY=()
  # The command words typed so far, stepping over flags and their values. Bash splits
  # "--flag=value" into three words.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=$${COMP_WORDS[i]}
    if [[ $$word == -?* ]]; then
      if [[ $${COMP_WORDS[i + 1]} == = ]]; then
        ((i += 2))
        continue
      fi
      kind=$$(_$0_lookup _$0_kind "$$path" "$$word")
      [[ -n $$kind && $$kind != switch ]] && ((i++))
    elif [[ " $$(_$0_commands "$$path") " == *" $$word "* ]]; then
      path=$${path:+$$path }$$word
    fi
  done
  if [[ $$cur == = ]]; then
    flag=$${COMP_WORDS[COMP_CWORD - 1]}
    cur=''
  elif ((COMP_CWORD > 1)) && [[ $${COMP_WORDS[COMP_CWORD - 1]} == = ]]; then
    flag=$${COMP_WORDS[COMP_CWORD - 2]}
  elif ((COMP_CWORD > 1)) && [[ $${COMP_WORDS[COMP_CWORD - 1]} == -?* ]]; then
    flag=$${COMP_WORDS[COMP_CWORD - 1]}
  fi
  if [[ -n $$flag ]]; then
    kind=$$(_$0_lookup _$0_kind "$$path" "$$flag")
    if [[ -n $$kind && $$kind != switch ]]; then
      _$0_reply "$$kind"
      return
    fi
  fi
  if [[ $$cur == -* ]]; then
    _$0_reply "choice $$(_$0_flags "$$path")"
  elif [[ -n $$(_$0_commands "$$path") ]]; then
    _$0_reply "choice $$(_$0_commands "$$path")"
  else
    _$0_reply "$$(_$0_argument "$$path")"
  fi
}

complete -F _$0 $0
)bash";

std::vector<const CLI::App*> Subcommands(const CLI::App& command) {
  return command.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// Every command of the tree, the root first, each before its subcommands.
void Collect(const CLI::App& command, std::vector<const CLI::App*>& out) {
  out.push_back(&command);
  for (const CLI::App* sub : Subcommands(command)) Collect(*sub, out);
}

// The command's words below the root; '' for the root.
std::string PathOf(const CLI::App& command) {
  std::vector<std::string> words;
  for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent()) {
    words.insert(words.begin(), app->get_name());
  }
  return absl::StrJoin(words, " ");
}

std::vector<std::string> FlagNames(const CLI::Option& option) {
  std::vector<std::string> names;
  for (const std::string& name : option.get_snames()) names.push_back("-" + name);
  for (const std::string& name : option.get_lnames()) names.push_back("--" + name);
  return names;
}

// How a value completes, by the name the definitions give it: a type name such as FILE for a
// flag, the argument's own name for an argument.
std::string KindOfName(const std::string& name) {
  if (name == "FILE") return "file";
  if (name == "CONTEXT") return "context";
  if (name == "TOPIC") return "topic";
  if (name.find('|') != std::string::npos) {
    return absl::StrCat("choice ", absl::StrReplaceAll(name, {{"|", " "}}));
  }
  return "";
}

std::string KindOfFlag(const CLI::Option& option) {
  if (option.get_expected_max() == 0) return "switch";
  const std::string kind = KindOfName(option.get_type_name());
  return kind.empty() ? "value" : kind;
}

std::string KindOfArguments(const CLI::App& command) {
  const std::vector<const CLI::Option*> positionals =
      command.get_options([](const CLI::Option* o) { return o->get_positional(); });
  return positionals.empty() ? "" : KindOfName(positionals.front()->get_name(/*positional=*/true));
}

std::vector<const CLI::Option*> Flags(const CLI::App& command) {
  return command.get_options([](const CLI::Option* o) { return o->nonpositional(); });
}

// The flags a command takes: its own, then those of the commands above it that it does not
// shadow (global flags work after the command words too).
std::vector<std::string> FlagsTaken(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : Flags(*app)) {
      for (const std::string& name : FlagNames(*option)) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
  }
  return names;
}

// A shell function NAME answering `case` patterns with echoed words.
std::string CaseFunction(const std::string& name, const std::string& comment,
                         const std::string& subject,
                         const std::vector<std::pair<std::string, std::string>>& answers) {
  std::string out =
      absl::StrCat("\n# ", name, " ", comment, "\n", name, "() {\n  case \"", subject, "\" in\n");
  for (const auto& [pattern, answer] : answers) {
    absl::StrAppend(&out, "    ", pattern, ") echo '", answer, "' ;;\n");
  }
  absl::StrAppend(&out, "  esac\n}\n");
  return out;
}

// What the script's case functions answer, by `case` pattern.
struct Answers {
  std::vector<std::pair<std::string, std::string>> commands;
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::pair<std::string, std::string>> kinds;
  std::vector<std::pair<std::string, std::string>> arguments;
};

void Describe(const CLI::App& command, Answers& answers) {
  const std::string path = PathOf(command);
  const std::string quoted = absl::StrCat("'", path, "'");
  std::vector<std::string> names;
  for (const CLI::App* sub : Subcommands(command)) names.push_back(sub->get_name());
  if (!names.empty()) answers.commands.emplace_back(quoted, absl::StrJoin(names, " "));
  answers.flags.emplace_back(quoted, absl::StrJoin(FlagsTaken(command), " "));
  for (const CLI::Option* option : Flags(command)) {
    for (const std::string& name : FlagNames(*option)) {
      answers.kinds.emplace_back(absl::StrCat("'", path, "|", name, "'"), KindOfFlag(*option));
    }
  }
  if (std::string kind = KindOfArguments(command); !kind.empty()) {
    answers.arguments.emplace_back(quoted, kind);
  }
}

}  // namespace

std::string BashCompletion(const CLI::App& root) {
  std::vector<const CLI::App*> commands;
  Collect(root, commands);
  Answers answers;
  for (const CLI::App* command : commands) Describe(*command, answers);
  const std::string program = root.get_name();
  const std::string prefix = "_" + program;
  return absl::StrCat(
      absl::Substitute("# bash completion for $0, generated from its command definitions:\n"
                       "#   source <($0 completion bash)\n"
                       "#   $0 completion bash > /etc/bash_completion.d/$0\n",
                       program),
      CaseFunction(prefix + "_commands", "PATH: the commands under PATH.", "$1", answers.commands),
      CaseFunction(prefix + "_flags", "PATH: the flags PATH's command takes, global ones included.",
                   "$1", answers.flags),
      CaseFunction(prefix + "_kind",
                   "PATH FLAG: how FLAG's value completes (switch: it takes none).", "$1|$2",
                   answers.kinds),
      CaseFunction(prefix + "_argument", "PATH: how the arguments of PATH's command complete.",
                   "$1", answers.arguments),
      absl::Substitute(kDriver, program));
}

}  // namespace herald::admin
