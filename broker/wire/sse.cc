#include "broker/wire/sse.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"
#include "broker/core/utf8.h"

namespace herald::wire {
namespace {

void AppendDataLines(std::string& out, std::string_view data) {
  size_t start = 0;
  while (true) {
    const size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end - start)).push_back('\n');
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
}

}  // namespace

std::string EncodeSseId(std::string_view id) {
  std::string out;
  out.reserve(id.size() + 5);
  out.append("id: ").append(id).push_back('\n');
  return out;
}

std::string EncodeSseFields(std::string_view type, std::string_view data) {
  std::string out;
  out.reserve(type.size() + data.size() + 24);
  if (!type.empty()) out.append("event: ").append(type).push_back('\n');
  if (IsValidUtf8(data)) {
    AppendDataLines(out, data);
  } else {
    out.append("data: ").append(absl::Base64Escape(AbslView(data))).push_back('\n');
  }
  out.push_back('\n');
  return out;
}

std::string EncodeSseComment(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 4);
  out.append(": ").append(text).append("\n\n");
  return out;
}

std::string EncodeSseRetry(int milliseconds) { return absl::StrCat("retry: ", milliseconds, "\n"); }

}  // namespace herald::wire
