// How a heraldctl command fails: stderr gets "error: CODE: message", and the process exits
// with 1, or with 2 for a mistake on the command line.
//
//   if (name.empty()) return Usage("give a topic name");
//   if (!status.ok()) return FromLocalStatus(status);
#ifndef HERALD_ADMIN_FAILURE_H_
#define HERALD_ADMIN_FAILURE_H_

#include <string>

#include "absl/status/status.h"

namespace herald::admin {

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Failure {
  // A status code's name (NOT_FOUND), USAGE, or a health state (NOT_SERVING).
  std::string code;
  std::string message;
  int exit_code = kExitFailure;
};

// A mistake on the command line: code USAGE, exit status 2.
Failure Usage(std::string message);

// The failure for a status code and message; `code` is numerically an absl::StatusCode, as a
// grpc::StatusCode is.
Failure FromStatusCode(int code, std::string message);

// A failure of heraldctl's own work (contexts, files): INVALID_ARGUMENT, a bad flag value or
// file, is reported as usage; other codes as themselves.
Failure FromLocalStatus(const absl::Status& status);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_FAILURE_H_
