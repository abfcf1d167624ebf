// Debian's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), which does not convert from std::string_view. Herald's interfaces use
// std::string_view; this is the one bridge to abseil's.
//
//   map.find(AbslView(topic));
//   std::string_view why = StdView(status.message());
#ifndef HERALD_BROKER_CORE_STRING_VIEW_H_
#define HERALD_BROKER_CORE_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace herald {

inline absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view StdView(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace herald

#endif  // HERALD_BROKER_CORE_STRING_VIEW_H_
