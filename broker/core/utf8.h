// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#ifndef HERALD_BROKER_CORE_UTF8_H_
#define HERALD_BROKER_CORE_UTF8_H_

#include <string_view>

namespace herald {

bool IsValidUtf8(std::string_view bytes);

}  // namespace herald

#endif  // HERALD_BROKER_CORE_UTF8_H_
