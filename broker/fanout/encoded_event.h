// An event encoded once for every wire format, shared by all sessions that deliver it.
//
//   std::shared_ptr<const EncodedEvent> e = EncodeEvent(event);
//   // SSE one-topic stream: write e->sse_frame; several topics: own id line + e->sse_fields.
#ifndef HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
#define HERALD_BROKER_FANOUT_ENCODED_EVENT_H_

#include <memory>
#include <string>

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
  // The herald.v1.json "event" op with `cursor` as its id.
  std::string ws_text;
};

std::shared_ptr<const EncodedEvent> EncodeEvent(EventPtr event);

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_ENCODED_EVENT_H_
