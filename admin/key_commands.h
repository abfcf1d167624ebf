// heraldctl keys hash: lines of heraldd's --api_keys_file (admin/api_key.h).
#ifndef HERALD_ADMIN_KEY_COMMANDS_H_
#define HERALD_ADMIN_KEY_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddKeyCommands(CLI::App& root, CommandSet& commands);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_KEY_COMMANDS_H_
