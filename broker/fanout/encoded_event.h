// An event encoded once for every wire format, shared by all sessions that deliver it.
//
//   std::shared_ptr<const EncodedEvent> e = EncodeEvent(event);
//   // SSE one-topic stream: write e->sse_frame; several topics: own id line + e->sse_fields.
//   // WebSocket: write e->ws_frame, or e->ws_deflated_frame() where deflate was negotiated.
#ifndef HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
#define HERALD_BROKER_FANOUT_ENCODED_EVENT_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "broker/core/event.h"

namespace herald::fanout {

// Immutable after EncodeEvent() but for the compressed frame, made once on first use; safe to
// share across threads.
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

  // The same message compressed for connections that negotiated permessage-deflate (see
  // wire::FrameWsDeflatedText): compressed once, by the first shard that asks, and shared by
  // every such subscriber. ws_frame itself for a text shorter than kWsDeflateMinBytes.
  const std::string& ws_deflated_frame() const;

 private:
  mutable std::once_flag deflated_once_;
  mutable std::string deflated_;
};

// Shorter texts gain little from compression and go out as they are.
inline constexpr size_t kWsDeflateMinBytes = 256;

std::shared_ptr<const EncodedEvent> EncodeEvent(EventPtr event);

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
