#include "broker/wire/ws_frames.h"

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"
#include "broker/core/utf8.h"
#include "broker/wire/json.h"

namespace herald::wire {

std::string EncodeWsEvent(std::string_view topic, std::string_view id, std::string_view type,
                          std::string_view data) {
  std::string out;
  out.reserve(64 + topic.size() + id.size() + type.size() + data.size() * 11 / 10);
  out += R"({"op":"event","topic":)";
  AppendJsonString(out, topic);
  out += R"(,"id":)";
  AppendJsonString(out, id);
  out += R"(,"event":)";
  AppendJsonString(out, type);
  if (IsValidUtf8(data)) {
    out += R"(,"data":)";
    AppendJsonString(out, data);
  } else {
    out += R"(,"data_b64":)";
    AppendJsonString(out, absl::Base64Escape(AbslView(data)));
  }
  out.push_back('}');
  return out;
}

std::string EncodeWsSubscribed(std::string_view topic, std::string_view cursor) {
  std::string out = R"({"op":"subscribed","topic":)";
  AppendJsonString(out, topic);
  out += R"(,"cursor":)";
  AppendJsonString(out, cursor);
  out.push_back('}');
  return out;
}

std::string EncodeWsPublished(std::string_view topic, std::string_view id, uint64_t offset,
                              std::string_view ref) {
  std::string out = R"({"op":"published","topic":)";
  AppendJsonString(out, topic);
  out += R"(,"id":)";
  AppendJsonString(out, id);
  out += R"(,"offset":)";
  out += std::to_string(offset);
  out += R"(,"ref":)";
  AppendJsonString(out, ref);
  out.push_back('}');
  return out;
}

std::string EncodeWsPong() { return R"({"op":"pong"})"; }

std::string EncodeWsRefreshed(int64_t expires_at) {
  return absl::StrCat(R"({"op":"refreshed","expires_at":)", expires_at, "}");
}

std::string EncodeWsError(std::string_view code, std::string_view message, std::string_view topic,
                          std::string_view id, std::string_view ref) {
  std::string out = R"({"op":"error","code":)";
  AppendJsonString(out, code);
  out += R"(,"message":)";
  AppendJsonString(out, message);
  if (!topic.empty()) {
    out += R"(,"topic":)";
    AppendJsonString(out, topic);
  }
  if (!id.empty()) {
    out += R"(,"id":)";
    AppendJsonString(out, id);
  }
  if (!ref.empty()) {
    out += R"(,"ref":)";
    AppendJsonString(out, ref);
  }
  out.push_back('}');
  return out;
}

namespace {

// RFC 6455 5.2: the first byte is FIN with the opcode (RSV1 also marks a compressed message,
// RFC 7692 6); lengths over 125 take 2 or 8 more bytes.
constexpr char kFinText = '\x81';
constexpr char kFinCompressedText = '\xc1';
constexpr char kFinPing = '\x89';
constexpr char kFinPong = '\x8a';
constexpr char kFinClose = '\x88';
constexpr size_t kMaxCloseReason = 123;
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;

// One unfragmented, unmasked frame (the server's side) of `payload`.
std::string Frame(char first_byte, std::string_view payload) {
  const uint64_t size = payload.size();
  std::string frame;
  frame.reserve(10 + payload.size());
  frame.push_back(first_byte);
  int length_bytes = 0;
  if (size <= 125) {
    frame.push_back(static_cast<char>(size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(kLength16));
    length_bytes = 2;
  } else {
    frame.push_back(static_cast<char>(kLength64));
    length_bytes = 8;
  }
  for (int i = length_bytes - 1; i >= 0; --i) {
    frame.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  }
  frame.append(payload);
  return frame;
}

// A raw deflate stream per thread, reset for every message: its state (about 130 KiB with a
// 1 KiB window at the default memLevel) is made once per thread, not once per message or per
// connection.
class Deflater {
 public:
  explicit Deflater(int window_bits) {
    stream_ = {};
    ok_ = deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ok_) deflateEnd(&stream_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  std::optional<std::string> Compress(std::string_view text) {
    if (!ok_ || deflateReset(&stream_) != Z_OK) return std::nullopt;
    // Room for incompressible input plus the block headers and the sync marker.
    std::string out(deflateBound(&stream_, text.size()) + 16, '\0');
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream_.avail_in = static_cast<uInt>(text.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out.data());
    stream_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream_, Z_SYNC_FLUSH) != Z_OK || stream_.avail_in != 0 ||
        stream_.avail_out == 0) {
      return std::nullopt;
    }
    out.resize(out.size() - stream_.avail_out);
    // The sync flush ends with an empty stored block, 00 00 ff ff, which the receiver
    // appends itself (RFC 7692 7.2.1).
    if (out.size() < 4 ||
        out.compare(out.size() - 4, 4, std::string_view("\0\0\xff\xff", 4)) != 0) {
      return std::nullopt;
    }
    out.resize(out.size() - 4);
    return out;
  }

 private:
  z_stream stream_;
  bool ok_ = false;
};

}  // namespace

std::string FrameWsText(std::string_view text) { return Frame(kFinText, text); }

size_t WsFrameHeaderSize(std::string_view frame) {
  switch (static_cast<uint8_t>(frame.at(1))) {
    case kLength16:
      return 4;
    case kLength64:
      return 10;
    default:
      return 2;
  }
}

std::optional<std::string> FrameWsDeflatedText(std::string_view text) {
  thread_local Deflater deflater(kWsDeflateWindowBits);
  std::optional<std::string> payload = deflater.Compress(text);
  if (!payload) return std::nullopt;
  return Frame(kFinCompressedText, *payload);
}

const std::string& WsPingFrame() {
  static const std::string* const frame = new std::string(Frame(kFinPing, ""));
  return *frame;
}

std::string WsPongFrame(std::string_view payload) { return Frame(kFinPong, payload); }

std::string WsCloseFrame(uint16_t code, std::string_view reason) {
  if (code == 0) return Frame(kFinClose, "");
  reason = reason.substr(0, kMaxCloseReason);
  // A reason cut inside a character would make the close frame invalid UTF-8.
  while (!reason.empty() && !IsValidUtf8(reason)) reason.remove_suffix(1);
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason);
  return Frame(kFinClose, payload);
}

}  // namespace herald::wire
