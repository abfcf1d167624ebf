#include "broker/wire/ws_frames.h"

#include "absl/strings/escaping.h"
#include "broker/core/string_view.h"
#include "broker/core/utf8.h"
#include "broker/wire/json.h"

namespace herald::wire {

std::string EncodeWsEvent(std::string_view topic, std::string_view id, std::string_view type,
                          std::string_view data) {
  std::string out;
  out.reserve(64 + topic.size() + id.size() + type.size() + data.size() * 11 / 10);
  out += R"({"op":"event","topic":)";
  AppendJsonString(out, topic);
  out += R"(,"id":)";
  AppendJsonString(out, id);
  out += R"(,"event":)";
  AppendJsonString(out, type);
  if (IsValidUtf8(data)) {
    out += R"(,"data":)";
    AppendJsonString(out, data);
  } else {
    out += R"(,"data_b64":)";
    AppendJsonString(out, absl::Base64Escape(AbslView(data)));
  }
  out.push_back('}');
  return out;
}

std::string EncodeWsSubscribed(std::string_view topic, std::string_view cursor) {
  std::string out = R"({"op":"subscribed","topic":)";
  AppendJsonString(out, topic);
  out += R"(,"cursor":)";
  AppendJsonString(out, cursor);
  out.push_back('}');
  return out;
}

std::string EncodeWsError(std::string_view code, std::string_view message,
                          std::string_view topic, std::string_view id) {
  std::string out = R"({"op":"error","code":)";
  AppendJsonString(out, code);
  out += R"(,"message":)";
  AppendJsonString(out, message);
  if (!topic.empty()) {
    out += R"(,"topic":)";
    AppendJsonString(out, topic);
  }
  if (!id.empty()) {
    out += R"(,"id":)";
    AppendJsonString(out, id);
  }
  out.push_back('}');
  return out;
}

}  // namespace herald::wire
