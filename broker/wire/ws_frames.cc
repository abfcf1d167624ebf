#include "broker/wire/ws_frames.h"

#include <cstdint>

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

namespace {

// RFC 6455 5.2: FIN set, opcode 1 (text); lengths over 125 take 2 or 8 more bytes.
constexpr char kFinText = '\x81';
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;

}  // namespace

std::string FrameWsText(std::string_view text) {
  const uint64_t size = text.size();
  std::string frame;
  frame.reserve(10 + text.size());
  frame.push_back(kFinText);
  int length_bytes = 0;
  if (size <= 125) {
    frame.push_back(static_cast<char>(size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(kLength16));
    length_bytes = 2;
  } else {
    frame.push_back(static_cast<char>(kLength64));
    length_bytes = 8;
  }
  for (int i = length_bytes - 1; i >= 0; --i) {
    frame.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  }
  frame.append(text);
  return frame;
}

size_t WsFrameHeaderSize(std::string_view frame) {
  switch (static_cast<uint8_t>(frame.at(1))) {
    case kLength16:
      return 4;
    case kLength64:
      return 10;
    default:
      return 2;
  }
}

}  // namespace herald::wire
