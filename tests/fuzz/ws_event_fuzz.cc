// EncodeWsEvent writes every WebSocket event. Its text is always JSON that gives back the
// topic, id, event name and data exactly: data as is when it is UTF-8, else in data_b64.
// Input: topic NUL id NUL event NUL data (the data may hold NULs).
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "broker/core/string_view.h"
#include "broker/core/utf8.h"
#include "broker/wire/ws_frames.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

std::string_view NextPart(std::string_view& input) {
  const size_t nul = input.find('\0');
  const std::string_view part = input.substr(0, nul);
  input = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  return part;
}

std::string_view StringField(const boost::json::object& object, const char* name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return "<missing>";
  return std::string_view(value->as_string().data(), value->as_string().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::string_view topic = NextPart(input);
  const std::string_view id = NextPart(input);
  const std::string_view type = NextPart(input);
  const std::string_view data = input;
  // Topic names, cursors and event names are validated UTF-8 before they get here.
  if (!herald::IsValidUtf8(topic) || !herald::IsValidUtf8(id) || !herald::IsValidUtf8(type)) {
    return 0;
  }
  const std::string text = herald::wire::EncodeWsEvent(topic, id, type, data);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  HERALD_FUZZ_CHECK(!ec && value.is_object(), "the event is a JSON object");
  const boost::json::object& object = value.as_object();
  HERALD_FUZZ_CHECK(StringField(object, "op") == "event", "op is event");
  HERALD_FUZZ_CHECK(StringField(object, "topic") == topic, "topic round-trips");
  HERALD_FUZZ_CHECK(StringField(object, "id") == id, "id round-trips");
  HERALD_FUZZ_CHECK(StringField(object, "event") == type, "event round-trips");
  if (herald::IsValidUtf8(data)) {
    HERALD_FUZZ_CHECK(StringField(object, "data") == data, "UTF-8 data round-trips");
  } else {
    std::string decoded;
    const std::string_view b64 = StringField(object, "data_b64");
    HERALD_FUZZ_CHECK(absl::Base64Unescape(herald::AbslView(b64), &decoded), "data_b64 decodes");
    HERALD_FUZZ_CHECK(decoded == data, "binary data round-trips through data_b64");
  }
  const std::string frame = herald::wire::FrameWsText(text);
  HERALD_FUZZ_CHECK(std::string_view(frame).substr(herald::wire::WsFrameHeaderSize(frame)) == text,
                    "the frame carries the text after its header");
  return 0;
}
