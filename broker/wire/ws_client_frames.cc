#include "broker/wire/ws_client_frames.h"

#include <zlib.h>

#include <string>

namespace herald::wire {

std::string ClientFrame(const ClientFrameSpec& spec) {
  std::string frame;
  frame.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | spec.rsv | spec.opcode));
  const uint64_t length = spec.length.value_or(spec.payload.size());
  const char mask_bit = spec.masked ? '\x80' : '\0';
  if (length <= 125) {
    frame.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xffff) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(length >> 8));
    frame.push_back(static_cast<char>(length & 0xff));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) frame.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  }
  const char mask[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (spec.masked) frame.append(mask, 4);
  for (size_t i = 0; i < spec.payload.size(); ++i) {
    frame.push_back(spec.masked ? static_cast<char>(spec.payload[i] ^ mask[i % 4])
                                : spec.payload[i]);
  }
  return frame;
}

std::optional<ServerFrame> TakeServerFrame(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  uint64_t length = p[1] & 0x7f;
  size_t header = 2;
  if (length >= 126) {
    header = length == 126 ? 4 : 10;
    if (bytes.size() < header) return std::nullopt;
    length = 0;
    for (size_t i = 2; i < header; ++i) length = length << 8 | p[i];
  }
  if (bytes.size() - header < length) return std::nullopt;
  return ServerFrame{.opcode = static_cast<uint8_t>(p[0] & 0x0f),
                     .fin = (p[0] & 0x80) != 0,
                     .compressed = (p[0] & 0x40) != 0,
                     .payload = bytes.substr(header, length),
                     .size = header + static_cast<size_t>(length)};
}

std::string ClosePayload(uint16_t code, std::string_view reason) {
  std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  payload.append(reason);
  return payload;
}

std::string DeflateMessage(std::string_view text) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, text.size()) + 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const bool flushed = deflate(&stream, Z_SYNC_FLUSH) == Z_OK;
  out.resize(out.size() - stream.avail_out);
  deflateEnd(&stream);
  if (!flushed || out.size() < 4) return {};
  out.resize(out.size() - 4);
  return out;
}

}  // namespace herald::wire
