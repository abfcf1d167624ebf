#include "tests/load/permessage_deflate.h"

#include <algorithm>
#include <charconv>

namespace herald::load {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The next `separator`-delimited item of `list`, trimmed; removes it from `list`.
std::string_view TakeItem(std::string_view& list, char separator) {
  const size_t end = list.find(separator);
  const std::string_view item = list.substr(0, end);
  list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
  return Trim(item);
}

}  // namespace

DeflateResponse ParseDeflateResponse(std::string_view extensions) {
  DeflateResponse response;
  while (!extensions.empty()) {
    std::string_view params = TakeItem(extensions, ',');
    if (TakeItem(params, ';') != "permessage-deflate") continue;
    response.accepted = true;
    while (!params.empty()) {
      const std::string_view param = TakeItem(params, ';');
      const size_t eq = param.find('=');
      const std::string_view name = Trim(param.substr(0, eq));
      std::string_view value = eq == std::string_view::npos ? "" : Trim(param.substr(eq + 1));
      // RFC 7692 7.1: a value may also be sent as a quoted string.
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (name == "server_no_context_takeover") {
        response.server_no_context_takeover = true;
      } else if (name == "server_max_window_bits") {
        int bits = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), bits);
        if (ec != std::errc() || ptr != value.data() + value.size() || bits < 8 || bits > 15) {
          response.accepted = false;
        }
        response.server_max_window_bits = bits;
      }
    }
    return response;
  }
  return response;
}

MessageInflater::MessageInflater(int window_bits, bool no_context_takeover)
    : no_context_takeover_(no_context_takeover) {
  // Negative bits: raw DEFLATE, no zlib header or checksum (RFC 7692 7.2.2).
  inflateInit2(&stream_, -window_bits);
}

MessageInflater::~MessageInflater() { inflateEnd(&stream_); }

bool MessageInflater::Inflate(std::string_view compressed, std::string& out) {
  // The sender removed the empty stored block that ends a sync flush (RFC 7692 7.2.1).
  static constexpr char kFlushTail[] = {'\x00', '\x00', '\xff', '\xff'};
  out.clear();
  bool ended = false;
  if (!InflateAll(compressed, out, ended)) return false;
  if (!ended && !InflateAll(std::string_view(kFlushTail, sizeof kFlushTail), out, ended)) {
    return false;
  }
  // Without context takeover the next message refers to nothing before it.
  if (ended || no_context_takeover_) inflateReset(&stream_);
  return true;
}

bool MessageInflater::InflateAll(std::string_view in, std::string& out, bool& ended) {
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream_.avail_in = static_cast<uInt>(in.size());
  do {
    const size_t used = out.size();
    // Event text compresses a few times over: room for that, more on the next round if not.
    out.resize(used + std::max<size_t>(256, 4 * in.size()));
    stream_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream_.avail_out = static_cast<uInt>(out.size() - used);
    const int rc = inflate(&stream_, Z_SYNC_FLUSH);
    out.resize(out.size() - stream_.avail_out);
    if (rc == Z_STREAM_END) {
      ended = true;
      return true;
    }
    // Z_BUF_ERROR: no progress possible, i.e. all input consumed and all output flushed.
    if (rc == Z_BUF_ERROR) return true;
    if (rc != Z_OK) return false;
  } while (stream_.avail_in > 0 || stream_.avail_out == 0);
  return true;
}

}  // namespace herald::load
