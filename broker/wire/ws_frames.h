// The herald.v1.json frames the server sends, without I/O.
//
//   std::string text = EncodeWsEvent("orders", cursor, "price", "42");
//   // {"op":"event","topic":"orders","id":"…","event":"price","data":"42"}
#ifndef HERALD_BROKER_WIRE_WS_FRAMES_H_
#define HERALD_BROKER_WIRE_WS_FRAMES_H_

#include <string>
#include <string_view>

namespace herald::wire {

// Data that is not valid UTF-8 is sent as "data_b64" (standard base64) instead of "data".
std::string EncodeWsEvent(std::string_view topic, std::string_view id, std::string_view type,
                          std::string_view data);
std::string EncodeWsSubscribed(std::string_view topic, std::string_view cursor);
// `topic` may be empty when the error concerns no topic. `id`, set for the herald.gap and
// herald.reset notices, is the cursor to resume from after the notice.
std::string EncodeWsError(std::string_view code, std::string_view message,
                          std::string_view topic = {}, std::string_view id = {});

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_WS_FRAMES_H_
