#include "broker/fanout/encoded_event.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/cursor.h"
#include "broker/wire/sse.h"
#include "broker/wire/ws_frames.h"

namespace herald::fanout {

std::shared_ptr<const EncodedEvent> EncodeEvent(EventPtr event) {
  auto encoded = std::make_shared<EncodedEvent>();
  encoded->cursor = EncodeTopicCursor(event->topic, event->epoch, event->offset);
  encoded->sse_fields = wire::EncodeSseFields(event->type, event->data);
  encoded->sse_frame = absl::StrCat(wire::EncodeSseId(encoded->cursor), encoded->sse_fields);
  encoded->ws_frame = wire::FrameWsText(
      wire::EncodeWsEvent(event->topic, encoded->cursor, event->type, event->data));
  encoded->event = std::move(event);
  return encoded;
}

const std::string& EncodedEvent::ws_deflated_frame() const {
  const std::string_view text =
      std::string_view(ws_frame).substr(wire::WsFrameHeaderSize(ws_frame));
  if (text.size() < kWsDeflateMinBytes) return ws_frame;
  std::call_once(deflated_once_,
                 [&] { deflated_ = wire::FrameWsDeflatedText(text).value_or(std::string()); });
  return deflated_.empty() ? ws_frame : deflated_;
}

}  // namespace herald::fanout
