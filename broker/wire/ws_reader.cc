#include "broker/wire/ws_reader.h"

#include <zlib.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/utf8.h"

namespace herald::wire {

namespace {

constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kBadPayload = 1007;
constexpr uint16_t kTooBig = 1009;
constexpr size_t kMaxControlPayload = 125;

bool IsControl(WsOpcode opcode) { return (static_cast<uint8_t>(opcode) & 0x8) != 0; }

bool IsKnownOpcode(uint8_t opcode) { return opcode <= 2 || (opcode >= 8 && opcode <= 10); }

WsViolation ProtocolError(std::string reason) { return {kProtocolError, std::move(reason)}; }

// One raw inflate stream per thread, reset for every message: with client_no_context_takeover
// each compressed message stands alone, so no connection keeps inflate state (7 KiB and its
// window) between messages. A 15-bit window inflates whatever window the client chose.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&stream_, -15) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates one message (`compressed` without the 00 00 ff ff its sender left off) into
  // `out`; a violation when it is not deflate data or inflates past `limit` bytes.
  std::optional<WsViolation> Inflate(std::string_view compressed, size_t limit, std::string& out) {
    if (!ok_ || inflateReset(&stream_) != Z_OK) {
      return WsViolation{kBadPayload, "cannot inflate the message"};
    }
    static constexpr char kTail[] = {'\0', '\0', '\xff', '\xff'};
    for (std::string_view input : {compressed, std::string_view(kTail, sizeof(kTail))}) {
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
      stream_.avail_in = static_cast<uInt>(input.size());
      // Until the input is used up and zlib has no more output for the room it was given.
      do {
        // Room for one byte past the limit: producing it proves the message too big.
        if (out.size() > limit) return TooBig(limit);
        const size_t before = out.size();
        const size_t room = std::min<size_t>(std::max<size_t>(before, 1024), limit + 1 - before);
        out.resize(before + room);
        stream_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream_.avail_out = static_cast<uInt>(room);
        const int result = inflate(&stream_, Z_SYNC_FLUSH);
        out.resize(out.size() - stream_.avail_out);
        // A final block (BFINAL) ends the data; zlib answers the same for anything after it.
        if (result == Z_STREAM_END) break;
        const bool stuck = result == Z_BUF_ERROR && stream_.avail_in > 0 && stream_.avail_out > 0;
        if ((result != Z_OK && result != Z_BUF_ERROR) || stuck) {
          return WsViolation{kBadPayload, "the compressed message is not valid deflate data"};
        }
      } while (stream_.avail_in > 0 || stream_.avail_out == 0);
    }
    if (out.size() > limit) return TooBig(limit);
    return std::nullopt;
  }

 private:
  static WsViolation TooBig(size_t limit) {
    return {kTooBig, absl::StrCat("the message inflates past ", limit, " bytes")};
  }

  z_stream stream_{};
  bool ok_ = false;
};

}  // namespace

bool IsValidWsCloseCode(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

size_t WsReader::HeaderSize() const {
  if (header_bytes_ < 2) return 0;
  const uint8_t length = header_[1] & 0x7f;
  const size_t length_bytes = length == 126 ? 2 : length == 127 ? 8 : 0;
  const size_t mask_bytes = (header_[1] & 0x80) != 0 ? 4 : 0;
  return 2 + length_bytes + mask_bytes;
}

std::optional<WsViolation> WsReader::Consume(std::string_view bytes,
                                             absl::FunctionRef<void(const WsMessage&)> on_message) {
  while (!bytes.empty() && !done_) {
    if (!in_payload_) {
      // Two bytes say how long the header is; then the rest of it.
      const size_t want = header_bytes_ < 2 ? 2 : HeaderSize();
      const size_t take = std::min(bytes.size(), want - header_bytes_);
      std::copy_n(bytes.data(), take, header_.data() + header_bytes_);
      header_bytes_ += static_cast<uint8_t>(take);
      bytes.remove_prefix(take);
      if (header_bytes_ < want || (want == 2 && HeaderSize() > 2)) continue;
      Header header{.fin = (header_[0] & 0x80) != 0,
                    .rsv1 = (header_[0] & 0x40) != 0,
                    .opcode = static_cast<WsOpcode>(header_[0] & 0x0f),
                    .length = header_[1] & 0x7fu,
                    .mask = {}};
      if ((header_[0] & 0x30) != 0) {
        done_ = true;
        return ProtocolError("RSV2 and RSV3 must be 0: no extension that uses them was agreed");
      }
      if (!IsKnownOpcode(header_[0] & 0x0f)) {
        done_ = true;
        return ProtocolError(absl::StrCat("opcode ", header_[0] & 0x0f, " is reserved"));
      }
      if ((header_[1] & 0x80) == 0) {
        done_ = true;
        return ProtocolError("frames from a client must be masked");
      }
      size_t at = 2;
      if (header.length >= 126) {
        const size_t length_bytes = header.length == 126 ? 2 : 8;
        header.length = 0;
        for (size_t i = 0; i < length_bytes; ++i)
          header.length = header.length << 8 | header_[at++];
        const bool shortest = length_bytes == 2 ? header.length >= 126 : header.length > 0xffff;
        if (!shortest || (header.length >> 63) != 0) {
          done_ = true;
          return ProtocolError("a frame length must take its shortest form (RFC 6455 5.2)");
        }
      }
      std::copy_n(header_.data() + at, 4, header.mask.data());
      header_bytes_ = 0;
      if (std::optional<WsViolation> violation = StartFrame(header)) {
        done_ = true;
        return violation;
      }
      if (remaining_ > 0) continue;
    } else {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), remaining_));
      Collect(bytes.substr(0, take));
      bytes.remove_prefix(take);
      remaining_ -= take;
      if (remaining_ > 0) continue;
    }
    in_payload_ = false;
    if (std::optional<WsViolation> violation = EndFrame(on_message)) {
      done_ = true;
      return violation;
    }
  }
  return std::nullopt;
}

std::optional<WsViolation> WsReader::StartFrame(const Header& header) {
  if (IsControl(header.opcode)) {
    if (!header.fin) return ProtocolError("control frames must not be fragmented");
    if (header.length > kMaxControlPayload) {
      return ProtocolError("a control frame carries at most 125 bytes");
    }
    if (header.rsv1) return ProtocolError("RSV1 is not allowed on a control frame");
  } else if (header.opcode == WsOpcode::kContinuation) {
    if (!in_message_) return ProtocolError("a continuation frame without a message to continue");
    if (header.rsv1) return ProtocolError("RSV1 is allowed only on a message's first frame");
  } else {
    if (in_message_) return ProtocolError("a new message began before the last one ended");
    if (header.rsv1 && !options_.deflate) {
      return ProtocolError("RSV1 set, but permessage-deflate was not negotiated");
    }
    in_message_ = true;
    message_opcode_ = header.opcode;
    compressed_ = header.rsv1;
  }
  if (!IsControl(header.opcode) &&
      header.length >
          options_.max_message_bytes - std::min(message_size(), options_.max_message_bytes)) {
    return WsViolation{kTooBig,
                       absl::StrCat("a message is at most ", options_.max_message_bytes, " bytes")};
  }
  opcode_ = header.opcode;
  fin_ = header.fin;
  mask_ = header.mask;
  remaining_ = header.length;
  mask_at_ = 0;
  in_payload_ = true;
  return std::nullopt;
}

void WsReader::Collect(std::string_view piece) {
  if (!payloads_) payloads_ = std::make_unique<Payloads>();
  std::string& into = IsControl(opcode_) ? payloads_->control : payloads_->message;
  const size_t start = into.size();
  into.append(piece);
  for (size_t i = start; i < into.size(); ++i) {
    into[i] = static_cast<char>(into[i] ^ mask_[mask_at_]);
    mask_at_ = (mask_at_ + 1) & 3;
  }
}

std::string WsReader::Take(std::string Payloads::*which) {
  if (!payloads_) return {};
  std::string taken = std::exchange((*payloads_).*which, std::string());
  if (payloads_->message.empty() && payloads_->control.empty()) payloads_.reset();
  return taken;
}

std::optional<WsViolation> WsReader::EndFrame(
    absl::FunctionRef<void(const WsMessage&)> on_message) {
  if (IsControl(opcode_)) return EndControl(on_message);
  if (!fin_) return std::nullopt;
  return EndMessage(on_message);
}

std::optional<WsViolation> WsReader::EndControl(
    absl::FunctionRef<void(const WsMessage&)> on_message) {
  const std::string payload = Take(&Payloads::control);
  if (opcode_ != WsOpcode::kClose) {
    on_message({.opcode = opcode_, .payload = payload});
    return std::nullopt;
  }
  if (payload.size() == 1) return ProtocolError("a close frame's payload cannot be 1 byte");
  uint16_t code = 0;
  std::string_view reason;
  if (payload.size() >= 2) {
    code = static_cast<uint16_t>(static_cast<uint8_t>(payload[0]) << 8 |
                                 static_cast<uint8_t>(payload[1]));
    if (!IsValidWsCloseCode(code)) {
      return ProtocolError(absl::StrCat("close code ", code, " may not be sent"));
    }
    reason = std::string_view(payload).substr(2);
    if (!IsValidUtf8(reason)) return WsViolation{kBadPayload, "the close reason is not UTF-8"};
  }
  done_ = true;
  on_message({.opcode = WsOpcode::kClose, .payload = reason, .close_code = code});
  return std::nullopt;
}

std::optional<WsViolation> WsReader::EndMessage(
    absl::FunctionRef<void(const WsMessage&)> on_message) {
  std::string message = Take(&Payloads::message);
  in_message_ = false;
  if (compressed_) {
    thread_local Inflater inflater;
    std::string inflated;
    if (std::optional<WsViolation> violation =
            inflater.Inflate(message, options_.max_message_bytes, inflated)) {
      return violation;
    }
    message = std::move(inflated);
  }
  if (message_opcode_ == WsOpcode::kText && !IsValidUtf8(message)) {
    return WsViolation{kBadPayload, "a text message must be UTF-8"};
  }
  on_message({.opcode = message_opcode_, .payload = message});
  return std::nullopt;
}

}  // namespace herald::wire
