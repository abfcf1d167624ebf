// JSON string escaping (RFC 8259) for the frames Herald writes by hand on the hot path.
#ifndef HERALD_BROKER_WIRE_JSON_H_
#define HERALD_BROKER_WIRE_JSON_H_

#include <string>
#include <string_view>

namespace herald::wire {

// Appends `text` (valid UTF-8) as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace herald::wire

#endif  // HERALD_BROKER_WIRE_JSON_H_
