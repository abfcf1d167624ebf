#include "broker/auth/topic_patterns.h"

namespace herald::auth {

bool PatternsAllow(const std::vector<std::string>& patterns, std::string_view topic) {
  for (const std::string& allowed : patterns) {
    if (!allowed.empty() && allowed.back() == '*') {
      if (topic.starts_with(std::string_view(allowed).substr(0, allowed.size() - 1))) {
        return true;
      }
    } else if (topic == allowed) {
      return true;
    }
  }
  return false;
}

}  // namespace herald::auth
