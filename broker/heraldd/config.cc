#include "broker/heraldd/config.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "broker/core/string_view.h"
#include "broker/engine/redis/redis_address.h"
#include "toml++/toml.h"

namespace herald::heraldd {
namespace {

// What a setting's value must satisfy beyond its flag's type.
enum class Check : uint8_t {
  kNone,
  // An integer 0..65535 (0 picks a free port).
  kPort,
  // A duration or number above zero.
  kPositive,
  // A duration or number not below zero.
  kNonNegative,
  // Empty, or a file heraldd can read.
  kReadableFile,
  // Empty, or a directory.
  kDirectory,
  // One of `choices`.
  kChoice,
  // A redis:// URL; its password is masked when printed.
  kRedisUrl,
};

struct Setting {
  // The config file's table holding it.
  absl::string_view section;
  // The flag, which is also the key inside `section`.
  absl::string_view flag;
  Check check = Check::kNone;
  // For kChoice: the allowed values, separated by '|'.
  absl::string_view choices = {};
};

// Every heraldd setting, in the order --print_config and deploy/herald.toml show them. A flag
// of options.cc that is missing here fails config_test.
constexpr Setting kSettings[] = {
    {"node", "shards", Check::kNonNegative},
    {"node", "drain_timeout", Check::kPositive},

    {"engine", "engine", Check::kChoice, "local|redis"},
    {"engine", "auto_create_topics"},
    {"engine", "max_event_bytes", Check::kPositive},
    {"engine", "default_max_events", Check::kPositive},
    {"engine", "default_max_bytes"},
    {"engine", "default_max_age", Check::kNonNegative},

    {"store", "store", Check::kChoice, "rocksdb|memory"},
    {"store", "data_dir"},
    {"store", "durability", Check::kChoice, "process|fsync"},
    {"store", "min_free_disk_bytes"},

    {"redis", "redis_url", Check::kRedisUrl},
    {"redis", "redis_password_file", Check::kReadableFile},
    {"redis", "redis_prefix"},
    {"redis", "redis_timeout", Check::kPositive},
    {"redis", "redis_check_interval", Check::kPositive},

    {"edge", "http_address"},
    {"edge", "http_port", Check::kPort},
    {"edge", "https_port", Check::kPort},
    {"edge", "http_tls_cert", Check::kReadableFile},
    {"edge", "http_tls_key", Check::kReadableFile},
    {"edge", "static_dir", Check::kDirectory},
    {"edge", "allowed_origins"},
    {"edge", "sse_heartbeat", Check::kPositive},
    {"edge", "sse_retry", Check::kPositive},
    {"edge", "ws_ping_interval", Check::kPositive},
    {"edge", "handshake_timeout", Check::kPositive},
    {"edge", "idle_timeout", Check::kPositive},
    {"edge", "outbound_queue_bytes", Check::kPositive},

    {"limits", "max_connections", Check::kPositive},
    {"limits", "max_ws_message_bytes", Check::kPositive},
    {"limits", "max_connections_per_ip"},
    {"limits", "max_new_connections_per_second_per_ip", Check::kNonNegative},
    {"limits", "new_connection_burst_per_ip", Check::kPositive},
    {"limits", "trusted_proxies"},
    {"limits", "max_ws_messages_per_second"},
    {"limits", "max_ws_bytes_per_second"},
    {"limits", "max_ws_publishes_per_second"},
    {"limits", "max_header_bytes", Check::kPositive},
    {"limits", "max_topics_per_subscription", Check::kPositive},

    {"auth", "access_token_secret_file", Check::kReadableFile},
    {"auth", "access_token_keys_file", Check::kReadableFile},
    {"auth", "access_token_issuer"},
    {"auth", "access_token_audience"},
    {"auth", "access_token_leeway", Check::kNonNegative},
    {"auth", "allow_anonymous_browsers"},

    {"control", "grpc_address"},
    {"control", "grpc_port", Check::kPort},
    {"control", "api_keys_file", Check::kReadableFile},
    {"control", "grpc_tls_cert", Check::kReadableFile},
    {"control", "grpc_tls_key", Check::kReadableFile},
    {"control", "grpc_tls_client_ca", Check::kReadableFile},
    {"control", "grpc_max_message_bytes", Check::kPositive},
    {"control", "subscriber_queue_events", Check::kPositive},
    {"control", "publish_window", Check::kPositive},
    {"control", "shutdown_grace", Check::kNonNegative},

    {"log", "log_level", Check::kChoice, "trace|debug|info|warn|error|off"},
    {"log", "log_format", Check::kChoice, "text|json"},
    {"log", "access_log"},

    {"metrics", "metrics_address"},
    {"metrics", "metrics_topics"},
};

constexpr absl::string_view kTopicsKey = "topics";

const Setting* FindSetting(absl::string_view section, absl::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.section == section && setting.flag == key) return &setting;
  }
  return nullptr;
}

// The sections in table order, each once.
std::vector<absl::string_view> Sections() {
  std::vector<absl::string_view> sections;
  for (const Setting& setting : kSettings) {
    if (sections.empty() || sections.back() != setting.section) {
      sections.push_back(setting.section);
    }
  }
  return sections;
}

bool IsSection(absl::string_view name) {
  const std::vector<absl::string_view> sections = Sections();
  return std::find(sections.begin(), sections.end(), name) != sections.end();
}

const Setting* FindSettingAnywhere(absl::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.flag == key) return &setting;
  }
  return nullptr;
}

absl::CommandLineFlag& FlagOf(const Setting& setting) {
  // Present by construction: config_test checks every entry names a flag.
  return *absl::FindCommandLineFlag(setting.flag);
}

std::string EnvironmentName(absl::string_view flag) {
  return absl::StrCat("HERALD_", absl::AsciiStrToUpper(flag));
}

bool IsDuration(const absl::CommandLineFlag& flag) { return flag.IsOfType<absl::Duration>(); }
bool IsList(const absl::CommandLineFlag& flag) { return flag.IsOfType<std::vector<std::string>>(); }
bool IsNumber(const absl::CommandLineFlag& flag) { return flag.IsOfType<double>(); }
bool IsInteger(const absl::CommandLineFlag& flag) {
  return flag.IsOfType<int>() || flag.IsOfType<int64_t>() || flag.IsOfType<uint32_t>() ||
         flag.IsOfType<uint64_t>();
}

std::string TypeName(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "a boolean (true or false)";
  if (IsInteger(flag)) return "an integer";
  if (IsNumber(flag)) return "a number";
  if (IsDuration(flag)) return "a duration string such as \"15s\" or \"500ms\"";
  if (IsList(flag)) return "an array of strings";
  return "a string";
}

// The flag's text for a TOML value of the right type; nullopt when the type is wrong.
std::optional<std::string> FlagText(const absl::CommandLineFlag& flag, const toml::node& node) {
  if (flag.IsOfType<bool>()) {
    if (const auto* value = node.as_boolean()) return value->get() ? "true" : "false";
  } else if (IsInteger(flag)) {
    if (const auto* value = node.as_integer()) return std::to_string(value->get());
  } else if (IsNumber(flag)) {
    if (const auto* value = node.as_floating_point()) return absl::StrCat(value->get());
    if (const auto* value = node.as_integer()) return std::to_string(value->get());
  } else if (IsList(flag)) {
    const toml::array* array = node.as_array();
    if (array == nullptr || (!array->empty() && !array->is_homogeneous<std::string>())) {
      return std::nullopt;
    }
    std::vector<std::string> items;
    for (const toml::node& item : *array) items.push_back(*item.value<std::string>());
    return absl::StrJoin(items, ",");
  } else if (const auto* value = node.as_string()) {
    return value->get();
  }
  return std::nullopt;
}

std::string Where(const std::string& path, const toml::source_region& region) {
  return absl::StrCat(path, ":", region.begin.line);
}

std::string TomlString(std::string_view text) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(text));
  return out.str();
}

// A flag's value text as TOML.
std::string TomlValue(const absl::CommandLineFlag& flag, const std::string& text) {
  if (flag.IsOfType<bool>() || IsInteger(flag) || IsNumber(flag)) return text;
  if (IsList(flag)) {
    std::ostringstream out;
    toml::array array;
    for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
      array.push_back(std::string(item));
    }
    out << array;
    return out.str();
  }
  return TomlString(text);
}

// The URL with its password replaced, so a printed config can be shared.
std::string MaskPassword(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon + 1), "****", url.substr(at));
}

// Why `value` fails `setting`'s check; empty when it passes.
std::string CheckValue(const Setting& setting, const absl::CommandLineFlag& flag,
                       const std::string& value) {
  auto sign = [&]() -> int {
    if (IsDuration(flag)) {
      absl::Duration d;
      absl::ParseDuration(value, &d);
      return d > absl::ZeroDuration() ? 1 : d < absl::ZeroDuration() ? -1 : 0;
    }
    if (absl::StartsWith(value, "-")) return -1;
    return value.find_first_not_of('0') == std::string::npos ? 0 : 1;
  };
  switch (setting.check) {
    case Check::kNone:
      return "";
    case Check::kPort: {
      int port = 0;
      if (!absl::SimpleAtoi(value, &port) || port < 0 || port > 65535) {
        return "not a port (0 to 65535; 0 picks a free one)";
      }
      return "";
    }
    case Check::kPositive:
      return sign() > 0 ? "" : "must be above zero";
    case Check::kNonNegative:
      return sign() >= 0 ? "" : "must not be negative";
    case Check::kReadableFile:
      if (value.empty() || std::ifstream(value).good()) return "";
      return absl::StrCat("cannot read file '", value, "'");
    case Check::kDirectory:
      if (value.empty() || std::filesystem::is_directory(value)) return "";
      return absl::StrCat("no directory '", value, "'");
    case Check::kChoice:
      for (absl::string_view choice : absl::StrSplit(setting.choices, '|')) {
        if (choice == value) return "";
      }
      return absl::StrCat("use one of: ",
                          absl::StrJoin(absl::StrSplit(setting.choices, '|'), ", "));
    case Check::kRedisUrl: {
      absl::StatusOr<engine::RedisAddress> address = engine::ParseRedisUrl(value);
      return address.ok() ? "" : std::string(address.status().message());
    }
  }
  return "";
}

absl::Status Faults(const std::vector<std::string>& faults) {
  if (faults.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(faults, "\n"));
}

template <typename T>
std::optional<T> TopicField(const toml::table& table, std::string_view key, const char* type,
                            const std::string& where, std::vector<std::string>& faults) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  std::optional<T> value = node->value_exact<T>();
  if (!value) {
    faults.push_back(absl::StrCat(where, ": topics.", AbslView(key), ": expected ", type));
  }
  return value;
}

// One [[topics]] table; faults name its keys and lines.
std::optional<DeclaredTopic> ParseTopic(const toml::table& table, const std::string& path,
                                        std::vector<std::string>& faults) {
  const std::string where = Where(path, table.source());
  const size_t before = faults.size();
  for (auto&& [key, node] : table) {
    static constexpr absl::string_view kKeys[] = {
        "name", "max_events", "max_bytes", "max_age", "allow_browser_publish", "max_subscribers"};
    if (std::find(std::begin(kKeys), std::end(kKeys), AbslView(key.str())) == std::end(kKeys)) {
      faults.push_back(absl::StrCat(Where(path, key.source()), ": topics.", AbslView(key.str()),
                                    ": unknown key (use ", absl::StrJoin(kKeys, ", "), ")"));
    }
  }
  DeclaredTopic topic{.where = where};
  TopicConfig& config = topic.config;
  if (auto name = TopicField<std::string>(table, "name", "a string", where, faults)) {
    config.name = *name;
  } else if (faults.size() == before) {
    faults.push_back(absl::StrCat(where, ": topics: a topic needs a name"));
  }
  auto count = [&](std::string_view key, uint64_t& out) {
    if (auto value = TopicField<int64_t>(table, key, "an integer", where, faults)) {
      if (*value < 0) {
        faults.push_back(absl::StrCat(where, ": topics.", AbslView(key), ": must not be negative"));
      }
      out = static_cast<uint64_t>(*value);
    }
  };
  count("max_events", config.retention.max_events);
  count("max_bytes", config.retention.max_bytes);
  if (auto age = TopicField<std::string>(table, "max_age", "a duration string", where, faults)) {
    if (!absl::ParseDuration(*age, &config.retention.max_age)) {
      faults.push_back(
          absl::StrCat(where, ": topics.max_age: '", *age, "' is not a duration (e.g. \"24h\")"));
    }
  }
  if (auto allow = TopicField<bool>(table, "allow_browser_publish", "a boolean", where, faults)) {
    config.allow_browser_publish = *allow;
  }
  uint64_t max_subscribers = 0;
  count("max_subscribers", max_subscribers);
  if (max_subscribers > std::numeric_limits<uint32_t>::max()) {
    faults.push_back(absl::StrCat(where, ": topics.max_subscribers: at most ",
                                  std::numeric_limits<uint32_t>::max()));
  }
  config.max_subscribers = static_cast<uint32_t>(max_subscribers);
  if (faults.size() != before) return std::nullopt;
  if (absl::Status valid = ValidateTopicConfig(config); !valid.ok()) {
    faults.push_back(absl::StrCat(where, ": topic '", config.name, "': ", valid.message()));
    return std::nullopt;
  }
  return topic;
}

}  // namespace

std::string ConfigPath(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) continue;
    if (absl::ConsumePrefix(&arg, "config=")) return std::string(arg);
    if (arg == "config" && i + 1 < argc) return argv[i + 1];
  }
  const char* from_environment = std::getenv("HERALD_CONFIG");
  return from_environment == nullptr ? "" : from_environment;
}

absl::Status Config::ApplyFile(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  if (!std::ifstream(path).good()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the config file"));
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, error.source()), ": ", AbslView(error.description())));
  }
  std::vector<std::string> faults;
  std::set<std::string> topic_names;
  for (auto&& [section, section_node] : root) {
    const std::string section_where = Where(path, section.source());
    if (AbslView(section.str()) == kTopicsKey) {
      const toml::array* tables = section_node.as_array();
      if (tables == nullptr || !tables->is_array_of_tables()) {
        faults.push_back(absl::StrCat(section_where, ": topics: write each as a [[topics]] table"));
        continue;
      }
      for (const toml::node& table : *tables) {
        std::optional<DeclaredTopic> topic = ParseTopic(*table.as_table(), path, faults);
        if (!topic) continue;
        if (!topic_names.insert(topic->config.name).second) {
          faults.push_back(
              absl::StrCat(topic->where, ": topic '", topic->config.name, "' is declared twice"));
          continue;
        }
        topics_.push_back(*std::move(topic));
      }
      continue;
    }
    const toml::table* keys = section_node.as_table();
    if (keys == nullptr || !IsSection(AbslView(section.str()))) {
      faults.push_back(absl::StrCat(section_where, ": unknown section '", AbslView(section.str()),
                                    "' (sections: ", absl::StrJoin(Sections(), ", "), ", ",
                                    kTopicsKey, ")"));
      continue;
    }
    for (auto&& [key, node] : *keys) {
      const std::string where = Where(path, key.source());
      const std::string name = absl::StrCat(AbslView(section.str()), ".", AbslView(key.str()));
      const Setting* setting = FindSetting(AbslView(section.str()), AbslView(key.str()));
      if (setting == nullptr) {
        const Setting* elsewhere = FindSettingAnywhere(AbslView(key.str()));
        faults.push_back(elsewhere == nullptr
                             ? absl::StrCat(where, ": ", name, ": unknown key")
                             : absl::StrCat(where, ": ", name, ": unknown key (did you mean [",
                                            elsewhere->section, "] ", AbslView(key.str()), "?)"));
        continue;
      }
      absl::CommandLineFlag& flag = FlagOf(*setting);
      std::optional<std::string> text = FlagText(flag, node);
      if (!text) {
        faults.push_back(absl::StrCat(where, ": ", name, ": expected ", TypeName(flag)));
        continue;
      }
      std::string error;
      if (!flag.ParseFrom(*text, &error)) {
        faults.push_back(absl::StrCat(where, ": ", name, ": ", error));
        continue;
      }
      origins_[std::string(setting->flag)] = {where, flag.CurrentValue()};
    }
  }
  return Faults(faults);
}

absl::Status Config::ApplyEnvironment(const Getenv& getenv) {
  std::vector<std::string> faults;
  for (const Setting& setting : kSettings) {
    const std::string name = EnvironmentName(setting.flag);
    const char* value = getenv(name.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag& flag = FlagOf(setting);
    std::string error;
    if (!flag.ParseFrom(value, &error)) {
      faults.push_back(absl::StrCat(name, "=", value, ": ", error));
      continue;
    }
    origins_[std::string(setting.flag)] = {name, flag.CurrentValue()};
  }
  return Faults(faults);
}

void Config::NoteCommandLine() {
  for (const Setting& setting : kSettings) {
    const absl::CommandLineFlag& flag = FlagOf(setting);
    auto origin = origins_.find(setting.flag);
    const std::string& expected =
        origin == origins_.end() ? flag.DefaultValue() : origin->second.value;
    if (flag.CurrentValue() != expected) {
      origins_[std::string(setting.flag)] = {absl::StrCat("--", setting.flag), flag.CurrentValue()};
    }
  }
}

std::string Config::SourceOf(absl::string_view flag) const {
  auto origin = origins_.find(flag);
  return origin == origins_.end() ? "default" : origin->second.where;
}

absl::Status Config::Validate() const {
  std::vector<std::string> faults;
  for (const Setting& setting : kSettings) {
    const absl::CommandLineFlag& flag = FlagOf(setting);
    const std::string value = flag.CurrentValue();
    const std::string fault = CheckValue(setting, flag, value);
    if (fault.empty()) continue;
    const std::string where = SourceOf(setting.flag);
    if (absl::StartsWith(where, "HERALD_") || absl::StartsWith(where, "--")) {
      faults.push_back(absl::StrCat(where, "=", value, ": ", fault));
    } else {
      faults.push_back(absl::StrCat(where, ": ", setting.section, ".", setting.flag, " = ",
                                    TomlValue(flag, value), ": ", fault));
    }
  }
  return Faults(faults);
}

std::string Config::Print() const {
  std::string out =
      "# heraldd's effective configuration; after each value, where it was set.\n"
      "# Precedence: command-line flags, then HERALD_* variables, then the config file.\n";
  absl::string_view section;
  for (const Setting& setting : kSettings) {
    if (setting.section != section) {
      section = setting.section;
      absl::StrAppend(&out, "\n[", section, "]\n");
    }
    const absl::CommandLineFlag& flag = FlagOf(setting);
    std::string value = flag.CurrentValue();
    if (setting.check == Check::kRedisUrl) value = MaskPassword(value);
    absl::StrAppend(&out, setting.flag, " = ", TomlValue(flag, value), "  # ",
                    SourceOf(setting.flag), "\n");
  }
  for (const DeclaredTopic& topic : topics_) {
    const RetentionPolicy& retention = topic.config.retention;
    absl::StrAppend(
        &out, "\n[[topics]]  # ", topic.where, "\nname = ", TomlString(topic.config.name),
        "\nmax_events = ", retention.max_events, "\nmax_bytes = ", retention.max_bytes,
        "\nmax_age = ", TomlString(absl::FormatDuration(retention.max_age)),
        "\nallow_browser_publish = ", topic.config.allow_browser_publish ? "true" : "false",
        "\nmax_subscribers = ", topic.config.max_subscribers, "\n");
  }
  return out;
}

absl::StatusOr<std::vector<TopicChange>> SyncDeclaredTopics(
    Broker& broker, const std::vector<DeclaredTopic>& topics) {
  std::vector<TopicChange> changes;
  for (const DeclaredTopic& topic : topics) {
    absl::StatusOr<TopicInfo> current = broker.GetTopic(topic.config.name);
    if (absl::IsNotFound(current.status())) {
      absl::StatusOr<TopicInfo> created = broker.CreateTopic(topic.config);
      if (created.ok()) {
        changes.push_back({"created", &topic});
        continue;
      }
      // Another node sharing the engine created it first: compare with what it made.
      if (!absl::IsAlreadyExists(created.status())) return created.status();
      current = broker.GetTopic(topic.config.name);
    }
    if (!current.ok()) return current.status();
    if (current->config == topic.config) continue;
    absl::StatusOr<TopicInfo> updated = broker.UpdateTopic(topic.config);
    if (!updated.ok()) return updated.status();
    changes.push_back({"updated", &topic});
  }
  return changes;
}

}  // namespace herald::heraldd
