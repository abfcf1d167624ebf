#include "admin/api_key.h"

#include <array>
#include <cstdlib>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace herald::admin {
namespace {

constexpr size_t kMinKeyLength = 16;
constexpr size_t kGeneratedBytes = 24;

bool HasSeparator(std::string_view text) {
  return text.find_first_of(" \t\r\n,") != std::string_view::npos;
}

}  // namespace

std::string GenerateApiKey() {
  std::array<unsigned char, kGeneratedBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

absl::StatusOr<std::string> ApiKeyLine(std::string_view key, const ApiKeyScope& scope) {
  if (key.size() < kMinKeyLength || key.find_first_of(" \t\r\n") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the key must be %d characters or more, without spaces (or use --generate)",
                        kMinKeyLength));
  }
  if (scope.allow.empty()) {
    return absl::InvalidArgumentError(
        "--allow names no action; use publish, subscribe, manage or admin");
  }
  for (const std::string& action : scope.allow) {
    if (action != "publish" && action != "subscribe" && action != "manage" && action != "admin") {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown action '%s'; use publish, subscribe, manage or admin", action));
    }
  }
  for (const std::string& topic : scope.topics) {
    if (topic.empty() || HasSeparator(topic)) {
      return absl::InvalidArgumentError(absl::StrFormat("bad topic pattern '%s'", topic));
    }
  }
  if (HasSeparator(scope.name)) {
    return absl::InvalidArgumentError("--name must hold no spaces or commas");
  }
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  std::string line = absl::StrCat("sha256:",
                                  absl::BytesToHexString(absl::string_view(
                                      reinterpret_cast<const char*>(digest.data()), digest.size())),
                                  " allow=", absl::StrJoin(scope.allow, ","));
  if (!scope.topics.empty()) absl::StrAppend(&line, " topics=", absl::StrJoin(scope.topics, ","));
  if (!scope.name.empty()) absl::StrAppend(&line, " name=", scope.name);
  return line;
}

}  // namespace herald::admin
