// heraldctl publish and tail: PublishService and SubscribeService.
#ifndef HERALD_ADMIN_STREAM_COMMANDS_H_
#define HERALD_ADMIN_STREAM_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddStreamCommands(CLI::App& root, CommandSet& commands);

// Printable UTF-8 (tabs allowed) as is; anything else as "base64:<...>", so that a terminal
// never gets raw bytes.
std::string Printable(const std::string& data);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_STREAM_COMMANDS_H_
