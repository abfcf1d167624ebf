// Early-return helpers for absl::Status (Debian's abseil 20220623 has none of its own).
//
//   HERALD_RETURN_IF_ERROR(ValidateTopicName(name));
//   HERALD_ASSIGN_OR_RETURN(TopicInfo info, registry.Get(name));
#ifndef HERALD_BROKER_CORE_STATUS_MACROS_H_
#define HERALD_BROKER_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HERALD_RETURN_IF_ERROR(expr)                                    \
  do {                                                                  \
    if (::absl::Status herald_status_ = (expr); !herald_status_.ok()) { \
      return herald_status_;                                            \
    }                                                                   \
  } while (false)

#define HERALD_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define HERALD_STATUS_MACROS_CONCAT_(a, b) HERALD_STATUS_MACROS_CONCAT_INNER_(a, b)

#define HERALD_ASSIGN_OR_RETURN(lhs, expr) \
  HERALD_ASSIGN_OR_RETURN_IMPL_(HERALD_STATUS_MACROS_CONCAT_(herald_statusor_, __LINE__), lhs, expr)

#define HERALD_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = *std::move(statusor)

#endif  // HERALD_BROKER_CORE_STATUS_MACROS_H_
