#include "broker/core/utf8.h"

#include <cstdint>

namespace herald {

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  while (p < end) {
    // Fast path: ASCII, the common case for JSON payloads.
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t min;
    uint32_t cp;
    if ((*p & 0xe0) == 0xc0) {
      extra = 1, min = 0x80, cp = *p & 0x1f;
    } else if ((*p & 0xf0) == 0xe0) {
      extra = 2, min = 0x800, cp = *p & 0x0f;
    } else if ((*p & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000, cp = *p & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += extra + 1;
  }
  return true;
}

}  // namespace herald
