// heraldctl context add|use|list|show|rm: the contexts file (admin/contexts.h).
#ifndef HERALD_ADMIN_CONTEXT_COMMANDS_H_
#define HERALD_ADMIN_CONTEXT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddContextCommands(CLI::App& root, CommandSet& commands);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_CONTEXT_COMMANDS_H_
