// The herald.v1.json frames the server sends, without I/O.
//
//   std::string text = EncodeWsEvent("orders", cursor, "price", "42");
//   // {"op":"event","topic":"orders","id":"…","event":"price","data":"42"}
//   std::string frame = FrameWsText(text);   // RFC 6455 header + text, ready for the socket
#ifndef HERALD_BROKER_WIRE_WS_FRAMES_H_
#define HERALD_BROKER_WIRE_WS_FRAMES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::wire {

// Data that is not valid UTF-8 is sent as "data_b64" (standard base64) instead of "data".
std::string EncodeWsEvent(std::string_view topic, std::string_view id, std::string_view type,
                          std::string_view data);
std::string EncodeWsSubscribed(std::string_view topic, std::string_view cursor);
// The answer to a publish that carried a "ref" (echoed here), once the event is stored: `id`
// is the stored event's cursor, `offset` its offset in `topic`.
std::string EncodeWsPublished(std::string_view topic, std::string_view id, uint64_t offset,
                              std::string_view ref);
// The answer to a client's {"op":"ping"}.
std::string EncodeWsPong();
// The answer to an accepted {"op":"refresh"}: the new token holds until `expires_at` (seconds
// since the Unix epoch).
std::string EncodeWsRefreshed(int64_t expires_at);
// `topic` may be empty when the error concerns no topic. `id`, set for the herald.gap and
// herald.reset notices, is the cursor to resume from after the notice. `ref`, set when the
// error answers a publish that carried one, is that publish's "ref".
std::string EncodeWsError(std::string_view code, std::string_view message,
                          std::string_view topic = {}, std::string_view id = {},
                          std::string_view ref = {});

// `text` as one unfragmented, unmasked RFC 6455 text frame (the server's side): built once
// per event, a frame goes to every subscriber as is, and a subscriber's pending frames go out
// in one gathered write.
std::string FrameWsText(std::string_view text);
// The length of the header of a frame made here; the payload follows it.
size_t WsFrameHeaderSize(std::string_view frame);

// The window compressed frames are made with: a connection may be sent them when it
// negotiated permessage-deflate with server_no_context_takeover and a server window of at
// least this many bits.
inline constexpr int kWsDeflateWindowBits = 10;

// `text` compressed on its own, as permessage-deflate with server_no_context_takeover
// promises (RFC 7692: raw deflate, sync-flushed, without the trailing 00 00 ff ff), framed as
// one compressed text message (RSV1 set). Built once per event and shared by every
// subscriber that negotiated it, as the plain frame is. nullopt if zlib fails.
std::optional<std::string> FrameWsDeflatedText(std::string_view text);

// A ping with no payload.
const std::string& WsPingFrame();
// The answer to a client's ping: a pong with the ping's payload (at most 125 bytes).
std::string WsPongFrame(std::string_view payload);
// A close frame with `code` and `reason` (cut to the 123 bytes a control frame leaves it,
// RFC 6455 5.5), or without a payload when `code` is 0.
std::string WsCloseFrame(uint16_t code, std::string_view reason);

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_WS_FRAMES_H_
