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
  encoded->ws_header_size = wire::WsFrameHeaderSize(encoded->ws_frame);
  encoded->event = std::move(event);
  return encoded;
}

}  // namespace herald::fanout
