// Server-Sent Events framing (WHATWG HTML 9.2.6), without I/O.
//
//   std::string fields = EncodeSseFields("price", "line 1\nline 2");
//   // "event: price\ndata: line 1\ndata: line 2\n\n"
//   std::string frame = absl::StrCat(EncodeSseId(cursor), fields);
#ifndef HERALD_BROKER_WIRE_SSE_H_
#define HERALD_BROKER_WIRE_SSE_H_

#include <string>
#include <string_view>

namespace herald::wire {

// "id: <id>\n". `id` must hold no CR, LF or NUL (cursors never do).
std::string EncodeSseId(std::string_view id);

// The `event:` line (when `type` is set) and one `data:` line per line of `data`, then the
// blank line that dispatches the event. CR, LF and CRLF in `data` all end a line, as a
// browser reads them, so no raw line break ever lands inside a field. Data that is not
// valid UTF-8 is sent base64-encoded (standard alphabet, one line).
std::string EncodeSseFields(std::string_view type, std::string_view data);

// A comment line, ignored by EventSource: ": <text>\n\n".
std::string EncodeSseComment(std::string_view text);

// "retry: <ms>\n": how long EventSource waits before reconnecting.
std::string EncodeSseRetry(int milliseconds);

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_SSE_H_
