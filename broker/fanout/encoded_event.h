// An event encoded once for every wire format, shared by all sessions that deliver it.
//
//   std::shared_ptr<const EncodedEvent> e = EncodeEvent(event);
//   // SSE one-topic stream: write e->sse_frame; several topics: own id line + e->sse_fields.
//   // WebSocket: write e->ws_frame.
#ifndef HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
#define HERALD_BROKER_FANOUT_ENCODED_EVENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "broker/core/event.h"

namespace herald::fanout {

// Immutable after EncodeEvent(); safe to share across threads.
struct EncodedEvent {
  EventPtr event;
  // The cursor of a one-topic subscription positioned at this event.
  std::string cursor;
  // "event:"/"data:" lines and the blank line, without the id line.
  std::string sse_fields;
  // "id: <cursor>\n" + sse_fields: the whole frame for one-topic streams.
  std::string sse_frame;
  // The herald.v1.json "event" op with `cursor` as its id, framed as one WebSocket text
  // message (see wire::FrameWsText).
  std::string ws_frame;
  size_t ws_header_size = 0;

  // The op alone, for writers that frame it themselves (permessage-deflate).
  std::string_view ws_text() const {
    return std::string_view(ws_frame).substr(ws_header_size);
  }
};

std::shared_ptr<const EncodedEvent> EncodeEvent(EventPtr event);

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
