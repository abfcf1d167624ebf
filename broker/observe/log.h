// Herald's logging: leveled, one line per event with key=value fields, on spdlog. The library
// logs to stderr at info by default; heraldd configures level, format and the access log.
//
//   observe::Log(observe::LogLevel::kInfo, "session_closed",
//                {{"transport", "sse"}, {"reason", "slow_consumer"}, {"delivered", 1200}});
//   // 2026-12-01T17:30:00.123Z info session_closed transport=sse reason=slow_consumer ...
//
// Nothing is logged per event on the fan-out path: lines are for connections, refusals,
// drains and start-up.
#ifndef HERALD_BROKER_OBSERVE_LOG_H_
#define HERALD_BROKER_OBSERVE_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace herald::observe {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat {
  // `<time> <level> <event> key=value ...`; values with spaces or quotes are quoted.
  kText,
  // One JSON object per line: {"ts":…,"level":…,"event":…,"key":"value",…}.
  kJson,
};

struct LogOptions {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  // A file that gets one line per HTTP request answered and per stream ended; none if empty.
  std::string access_log;
};

// "trace", "debug", "info", "warn", "error", "off"; InvalidArgument naming the choices.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name);
// "text" or "json".
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name);

// Replaces the process's logging settings (herald::Broker::Start applies BrokerOptions.log);
// safe while other threads log. InvalidArgument when the access log cannot be opened, and
// nothing changes.
absl::Status ConfigureLogging(const LogOptions& options);

// A field of a line: the value is formatted at the call (strings, numbers, bools).
struct LogField {
  std::string_view key;
  absl::AlphaNum value;
};

// True when lines of `level` are written: check it before building costly fields.
bool LogEnabled(LogLevel level);
// Writes one line, unless `level` is below the configured one. Thread-safe; never blocks on
// the sink (the logger is asynchronous and drops the oldest lines when it falls behind).
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields);
// One line of the access log, when one is configured.
void AccessLog(std::string_view event, std::initializer_list<LogField> fields);
bool AccessLogEnabled();
// What Log() writes after the time and level: the event, then each field.
std::string FormatLogLine(LogFormat format, std::string_view event,
                          std::initializer_list<LogField> fields);

}  // namespace herald::observe

#endif  // HERALD_BROKER_OBSERVE_LOG_H_
