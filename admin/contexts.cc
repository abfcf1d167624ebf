#include "admin/contexts.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace herald::admin {
namespace {

constexpr size_t kMaxNameLength = 64;

bool IsSet(const char* value) { return value != nullptr && *value != '\0'; }

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

std::string Pretty(const ContextsFile& file) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Cannot fail for a message of a linked-in type.
  (void)google::protobuf::util::MessageToJsonString(file, &json, options);
  return json;
}

absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot write '%s': %s", path, std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ContextsPath(const char* xdg_config_home, const char* home) {
  if (IsSet(xdg_config_home)) return absl::StrCat(xdg_config_home, "/herald/contexts.json");
  if (IsSet(home)) return absl::StrCat(home, "/.config/herald/contexts.json");
  return absl::FailedPreconditionError(
      "neither XDG_CONFIG_HOME nor HOME is set, so there is no contexts file; set one of them");
}

absl::StatusOr<ContextsFile> LoadContexts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return ContextsFile();
    return absl::PermissionDeniedError(absl::StrFormat("cannot read contexts file '%s'", path));
  }
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ContextsFile file;
  if (auto status = google::protobuf::util::JsonStringToMessage(json, &file); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "contexts file '%s' is not valid (%s); fix it, or remove it and add the contexts again",
        path, status.message().as_string()));
  }
  return file;
}

absl::Status SaveContexts(const std::string& path, const ContextsFile& file) {
  const std::filesystem::path target(path);
  std::error_code error;
  std::filesystem::create_directories(target.parent_path(), error);
  if (error) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "cannot create folder '%s': %s", target.parent_path().string(), error.message()));
  }
  // Written beside the file and renamed over it, so that no reader sees half a file.
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrFormat("cannot write '%s': %s", temporary, std::strerror(errno)));
  }
  absl::Status status = WriteAll(fd, Pretty(file) + "\n", temporary);
  if (::close(fd) != 0 && status.ok()) {
    status = absl::PermissionDeniedError(
        absl::StrFormat("cannot write '%s': %s", temporary, std::strerror(errno)));
  }
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    status = absl::PermissionDeniedError(
        absl::StrFormat("cannot replace '%s': %s", path, std::strerror(errno)));
  }
  if (!status.ok()) std::remove(temporary.c_str());
  return status;
}

absl::Status ValidateContextName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "context name '%s' is not valid; use 1 to %d letters, digits, '.', '_' or '-'", name,
        kMaxNameLength));
  }
  return absl::OkStatus();
}

absl::StatusOr<const Context*> FindContext(const ContextsFile& file, std::string_view name) {
  const std::string wanted(name.empty() ? file.current() : name);
  if (wanted.empty()) return nullptr;
  auto it = file.contexts().find(wanted);
  if (it == file.contexts().end()) {
    return absl::NotFoundError(absl::StrFormat(
        "context '%s' not found; list them with heraldctl context list, or add it with "
        "heraldctl context add %s --server HOST:PORT",
        wanted, wanted));
  }
  return &it->second;
}

}  // namespace herald::admin
