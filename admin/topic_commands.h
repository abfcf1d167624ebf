// heraldctl topics create|get|list|update|delete: TopicService.
#ifndef HERALD_ADMIN_TOPIC_COMMANDS_H_
#define HERALD_ADMIN_TOPIC_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "admin/command_line.h"

namespace herald::admin {

void AddTopicCommands(CLI::App& root, CommandSet& commands);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_TOPIC_COMMANDS_H_
