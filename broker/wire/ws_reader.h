// The frames a WebSocket client sends (RFC 6455 5, with RFC 7692's permessage-deflate),
// parsed as their bytes arrive, without I/O.
//
//   WsReader reader({.max_message_bytes = 64 << 10, .deflate = true});
//   std::optional<WsViolation> violation = reader.Consume(bytes, [&](const WsMessage& m) {
//     if (m.opcode == WsOpcode::kText) HandleText(m.payload);
//   });
//   if (violation) CloseWith(violation->code, violation->reason);
//
// It keeps what a frame split across reads needs (a partial header, the message so far) and
// nothing between messages: an idle connection's reader holds no buffer.
#ifndef HERALD_BROKER_WIRE_WS_READER_H_
#define HERALD_BROKER_WIRE_WS_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace herald::wire {

enum class WsOpcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

// A whole data message (inflated, text checked as UTF-8) or a control frame.
struct WsMessage {
  WsOpcode opcode;
  // The message; a ping's or pong's payload; a close's reason.
  std::string_view payload;
  // A close's code; 0 when the close carried none (1005 is never sent on the wire).
  uint16_t close_code = 0;
};

// Why the connection must be closed, and the close code to say it with: 1002 (protocol),
// 1007 (bad UTF-8 or a message that does not inflate) or 1009 (too big).
struct WsViolation {
  uint16_t code;
  std::string reason;
};

// True for the close codes a peer may send (RFC 6455 7.4 and IANA's registry).
bool IsValidWsCloseCode(uint16_t code);

// One connection's client frames. Distinct objects: safe. Shared objects: unsafe.
class WsReader {
 public:
  struct Options {
    // A message's size, compressed and inflated: past it, 1009 (also for a header that only
    // declares more).
    size_t max_message_bytes;
    // permessage-deflate was negotiated, with client_no_context_takeover: every compressed
    // message inflates on its own.
    bool deflate = false;
  };

  explicit WsReader(Options options) : options_(options) {}

  // Parses `bytes`, calling `on_message` for each whole message and control frame in order.
  // After a close frame, or a violation (returned), the reader takes nothing more: what
  // follows is ignored.
  std::optional<WsViolation> Consume(std::string_view bytes,
                                     absl::FunctionRef<void(const WsMessage&)> on_message);

  // A close frame or a violation ended the reading.
  bool done() const { return done_; }

 private:
  // The header of the frame being read, once it is whole.
  struct Header {
    bool fin;
    bool rsv1;
    WsOpcode opcode;
    uint64_t length;
    std::array<uint8_t, 4> mask;
  };

  // Payload bytes being collected: made for a message's first byte, gone when nothing is
  // collected, so that an idle connection's reader holds neither string.
  struct Payloads {
    // The data message being read (fragments joined, still compressed if it is).
    std::string message;
    // The control frame being read: at most 125 bytes, and it may come between fragments.
    std::string control;
  };

  // How long the header in header_ is, once its first two bytes are in (0 before).
  size_t HeaderSize() const;
  std::optional<WsViolation> StartFrame(const Header& header);
  // Unmasks a piece of the current frame's payload into where it is collected.
  void Collect(std::string_view piece);
  // The current frame's payload is whole.
  std::optional<WsViolation> EndFrame(absl::FunctionRef<void(const WsMessage&)> on_message);
  std::optional<WsViolation> EndControl(absl::FunctionRef<void(const WsMessage&)> on_message);
  std::optional<WsViolation> EndMessage(absl::FunctionRef<void(const WsMessage&)> on_message);
  // The collected payload of the current kind, taken out (empty when none came).
  std::string Take(std::string Payloads::*which);
  size_t message_size() const { return payloads_ ? payloads_->message.size() : 0; }

  const Options options_;
  std::unique_ptr<Payloads> payloads_;
  // Payload bytes of the current frame still to come.
  uint64_t remaining_ = 0;
  // A frame header (at most 14 bytes) as it arrives.
  std::array<uint8_t, 14> header_{};
  uint8_t header_bytes_ = 0;
  // The current frame, once its header is whole.
  WsOpcode opcode_ = WsOpcode::kText;
  bool fin_ = false;
  std::array<uint8_t, 4> mask_{};
  uint8_t mask_at_ = 0;
  bool in_payload_ = false;
  // The data message being read.
  WsOpcode message_opcode_ = WsOpcode::kText;
  bool in_message_ = false;
  bool compressed_ = false;
  bool done_ = false;
};

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_WS_READER_H_
