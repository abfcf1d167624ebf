// heraldctl token create: browser access tokens for local development (admin/access_token.h).
#ifndef HERALD_ADMIN_TOKEN_COMMANDS_H_
#define HERALD_ADMIN_TOKEN_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddTokenCommands(CLI::App& root, CommandSet& commands);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_TOKEN_COMMANDS_H_
