// Bash completion for a command tree (admin/command_line.h), made from the same definitions
// as its parser, so it offers exactly the commands and flags the parser takes:
//
//   std::cout << BashCompletion(root);   // heraldctl completion bash
//   $ source <(heraldctl completion bash)
//
// Completes command words, each command's flags and the global ones, flag choices
// (-o table|wide|json|yaml), file names for FILE values, and context and topic names (asked
// of heraldctl itself: context list, topics list) for CONTEXT and TOPIC values and arguments.
#ifndef HERALD_ADMIN_COMPLETION_H_
#define HERALD_ADMIN_COMPLETION_H_

#include <string>

#include "CLI/CLI.hpp"

namespace herald::admin {

std::string BashCompletion(const CLI::App& root);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_COMPLETION_H_
