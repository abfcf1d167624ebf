#include "admin/failure.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace herald::admin {

Failure Usage(std::string message) { return {"USAGE", std::move(message), kExitUsage}; }

Failure FromStatusCode(int code, std::string message) {
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  // A code newer than this abseil has no name.
  if (name.empty()) name = absl::StrCat("CODE_", code);
  return {std::move(name), std::move(message)};
}

Failure FromLocalStatus(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return Usage(std::string(status.message()));
  }
  return FromStatusCode(static_cast<int>(status.code()), std::string(status.message()));
}

}  // namespace herald::admin
