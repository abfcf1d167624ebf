#include "broker/observe/log.h"

#include <array>
#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"
#include "broker/core/string_view.h"
#include "broker/wire/json.h"
#include "spdlog/async.h"
#include "spdlog/async_logger.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace herald::observe {
namespace {

constexpr std::array<std::string_view, 6> kLevelNames = {"trace", "debug", "info",
                                                         "warn",  "error", "off"};

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// Lines queue here and a thread of spdlog's writes them: a shard that logs a connection's
// close never waits on a slow stderr or disk.
constexpr size_t kQueuedLines = 8192;

// The pattern of `format`, in UTC: operators correlate the logs of several nodes.
std::unique_ptr<spdlog::formatter> Formatter(LogFormat format) {
  return std::make_unique<spdlog::pattern_formatter>(
      format == LogFormat::kJson ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})"
                                 : "%Y-%m-%dT%H:%M:%S.%eZ %l %v",
      spdlog::pattern_time_type::utc);
}

std::shared_ptr<spdlog::logger> MakeLogger(std::string name, spdlog::sink_ptr sink,
                                           LogFormat format) {
  sink->set_formatter(Formatter(format));
  return std::make_shared<spdlog::async_logger>(std::move(name), std::move(sink),
                                                spdlog::thread_pool(),
                                                spdlog::async_overflow_policy::overrun_oldest);
}

// Reconfigured in place, so that any thread may log while a broker starts: the level is
// spdlog's atomic, the formatter is swapped under the sink's lock, the rest are atomics.
struct Loggers {
  Loggers() {
    if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(kQueuedLines, 1);
    main =
        MakeLogger("herald", std::make_shared<spdlog::sinks::stderr_sink_mt>(), LogFormat::kText);
    main->set_level(spdlog::level::info);
    // Errors reach the terminal at once, even if the process dies right after.
    main->flush_on(spdlog::level::err);
  }
  std::atomic<LogFormat> format{LogFormat::kText};
  std::shared_ptr<spdlog::logger> main;
  std::atomic<std::shared_ptr<spdlog::logger>> access;
};

// Made on first use, so an embedder that never configures logging gets stderr at info.
// Never destroyed: threads may log until the process exits.
Loggers& TheLoggers() {
  static Loggers* loggers = new Loggers();
  return *loggers;
}

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string FormatLogLine(LogFormat format, std::string_view event,
                          std::initializer_list<LogField> fields) {
  std::string line;
  if (format == LogFormat::kJson) {
    line = "\"event\":";
    wire::AppendJsonString(line, event);
    for (const LogField& field : fields) {
      line.push_back(',');
      wire::AppendJsonString(line, field.key);
      line.push_back(':');
      wire::AppendJsonString(line, StdView(field.value.Piece()));
    }
    return line;
  }
  line.assign(event);
  for (const LogField& field : fields) {
    const std::string_view value = StdView(field.value.Piece());
    absl::StrAppend(&line, " ", AbslView(field.key), "=");
    if (NeedsQuotes(value)) {
      wire::AppendJsonString(line, value);
    } else {
      line.append(value);
    }
  }
  return line;
}

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("log level '%s' is not one of trace, debug, info, warn, error, off", name));
}

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrFormat("log format '%s' is not one of text, json", name));
}

absl::Status ConfigureLogging(const LogOptions& options) {
  Loggers& loggers = TheLoggers();
  std::shared_ptr<spdlog::logger> access;
  if (!options.access_log.empty()) {
    try {
      access = MakeLogger("herald_access",
                          std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.access_log),
                          options.format);
    } catch (const spdlog::spdlog_ex& e) {
      return absl::InvalidArgumentError(
          absl::StrFormat("cannot open access log '%s': %s; check the path and its permissions",
                          options.access_log, e.what()));
    }
    access->set_level(spdlog::level::info);
    // Written on the logger's thread: a flush per line costs the shards nothing, and the
    // file is complete when the process ends.
    access->flush_on(spdlog::level::info);
  }
  loggers.format.store(options.format);
  loggers.main->set_formatter(Formatter(options.format));
  loggers.main->set_level(SpdlogLevel(options.level));
  loggers.access.store(std::move(access));
  return absl::OkStatus();
}

bool LogEnabled(LogLevel level) { return TheLoggers().main->should_log(SpdlogLevel(level)); }

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  Loggers& loggers = TheLoggers();
  const spdlog::level::level_enum spdlog_level = SpdlogLevel(level);
  if (!loggers.main->should_log(spdlog_level)) return;
  loggers.main->log(spdlog_level, FormatLogLine(loggers.format.load(), event, fields));
}

bool AccessLogEnabled() { return TheLoggers().access.load() != nullptr; }

void AccessLog(std::string_view event, std::initializer_list<LogField> fields) {
  Loggers& loggers = TheLoggers();
  const std::shared_ptr<spdlog::logger> access = loggers.access.load();
  if (access == nullptr) return;
  access->info(FormatLogLine(loggers.format.load(), event, fields));
}

}  // namespace herald::observe
