// Topic patterns, as access tokens and API keys grant them: a topic name, or a prefix ending
// in '*' ("orders.*" covers "orders.eu", not "orders").
//
//   if (PatternsAllow(grant.subscribe, "orders.eu")) ...
#ifndef HERALD_BROKER_AUTH_TOPIC_PATTERNS_H_
#define HERALD_BROKER_AUTH_TOPIC_PATTERNS_H_

#include <string>
#include <string_view>
#include <vector>

namespace herald::auth {

// Whether any of `patterns` covers `topic`.
bool PatternsAllow(const std::vector<std::string>& patterns, std::string_view topic);

}  // namespace herald::auth

#endif  // HERALD_BROKER_AUTH_TOPIC_PATTERNS_H_
