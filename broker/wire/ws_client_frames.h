// The client's side of WebSocket framing, for the tests and the load tool: frames as a client
// sends them (masked, shortest length), well-formed or each kind of malformed, and the
// server's frames read back.
//
//   std::string bytes = ClientFrame({.opcode = kWsText, .payload = R"({"op":"ping"})"});
//   std::string close = ClientFrame({.opcode = kWsClose, .payload = ClosePayload(1000)});
//   while (std::optional<ServerFrame> frame = TakeServerFrame(received)) {
//     received.remove_prefix(frame->size);
//   }
#ifndef HERALD_BROKER_WIRE_WS_CLIENT_FRAMES_H_
#define HERALD_BROKER_WIRE_WS_CLIENT_FRAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::wire {

inline constexpr uint8_t kWsContinuation = 0x0;
inline constexpr uint8_t kWsText = 0x1;
inline constexpr uint8_t kWsBinary = 0x2;
inline constexpr uint8_t kWsClose = 0x8;
inline constexpr uint8_t kWsPing = 0x9;
inline constexpr uint8_t kWsPong = 0xa;
inline constexpr uint8_t kWsRsv1 = 0x40;

struct ClientFrameSpec {
  uint8_t opcode;
  std::string payload;
  bool fin = true;
  // RSV bits as they sit in the first byte (kWsRsv1: a compressed message).
  uint8_t rsv = 0;
  bool masked = true;
  // A declared length other than the payload's (a header sent without its payload).
  std::optional<uint64_t> length;
};

std::string ClientFrame(const ClientFrameSpec& spec);

// A close frame's payload: the code in network order, then the reason.
std::string ClosePayload(uint16_t code, std::string_view reason = "");

// A whole frame the server sent (unmasked) at the front of `bytes`; nullopt until all of it
// has arrived. `payload` points into `bytes`.
struct ServerFrame {
  uint8_t opcode;
  bool fin;
  // RSV1: permessage-deflate's "this message is compressed".
  bool compressed;
  std::string_view payload;
  // The frame's bytes, header included.
  size_t size;
};
std::optional<ServerFrame> TakeServerFrame(std::string_view bytes);

// `text` as permessage-deflate compresses a message: raw deflate with a 15-bit window,
// sync-flushed, without the trailing 00 00 ff ff.
std::string DeflateMessage(std::string_view text);

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_WS_CLIENT_FRAMES_H_
