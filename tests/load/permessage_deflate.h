// The client side of permessage-deflate (RFC 7692) for the load tool's WebSocket subscriber:
// the server's answer to the offer Chromium makes, and the inflation of compressed messages.
// The subscriber never compresses what it sends, so only the server's parameters matter.
//
//   // Offer: "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
//   DeflateResponse deflate = ParseDeflateResponse(response_extensions_header);
//   MessageInflater inflater(deflate.server_max_window_bits, deflate.server_no_context_takeover);
//   std::string text;
//   if (rsv1 && !inflater.Inflate(frame_payload, text)) fail();
#ifndef HERALD_TESTS_LOAD_PERMESSAGE_DEFLATE_H_
#define HERALD_TESTS_LOAD_PERMESSAGE_DEFLATE_H_

#include <zlib.h>

#include <string>
#include <string_view>

namespace herald::load {

// What the server's Sec-WebSocket-Extensions header says about permessage-deflate.
struct DeflateResponse {
  bool accepted = false;
  // The server resets its compressor after each message: so must the inflater.
  bool server_no_context_takeover = false;
  // The server's LZ77 window; the inflater needs no larger one.
  int server_max_window_bits = 15;
};

// Reads the value of a response's Sec-WebSocket-Extensions header (empty: none). Not accepted
// unless it names permessage-deflate with a window of 8 to 15 bits.
DeflateResponse ParseDeflateResponse(std::string_view extensions);

// Inflates the compressed messages (RSV1 set) of one connection, in the order received.
// Distinct objects: safe. Shared objects: unsafe.
class MessageInflater {
 public:
  // `window_bits` and `no_context_takeover` as the server's DeflateResponse says.
  MessageInflater(int window_bits, bool no_context_takeover);
  ~MessageInflater();
  MessageInflater(const MessageInflater&) = delete;
  MessageInflater& operator=(const MessageInflater&) = delete;

  // Replaces `out` with the text of the message whose (unfragmented) payload is `compressed`;
  // false when it is not DEFLATE data this inflater's history can decode. After a false the
  // connection's compressed stream is lost: close it.
  bool Inflate(std::string_view compressed, std::string& out);

 private:
  // Inflates all of `in` onto the end of `out`; sets `ended` when the data held a final
  // block (BFINAL), after which the next message starts a new DEFLATE stream.
  bool InflateAll(std::string_view in, std::string& out, bool& ended);

  z_stream stream_{};
  bool no_context_takeover_;
};

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_PERMESSAGE_DEFLATE_H_
