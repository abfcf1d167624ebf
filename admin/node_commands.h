// heraldctl health, stats, connections list|kick and drain: the node's state, through the
// gRPC health service and AdminService.
#ifndef HERALD_ADMIN_NODE_COMMANDS_H_
#define HERALD_ADMIN_NODE_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddNodeCommands(CLI::App& root, CommandSet& commands);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_NODE_COMMANDS_H_
