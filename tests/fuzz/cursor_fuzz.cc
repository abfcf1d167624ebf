// Cursor::Parse takes any bytes from a browser (Last-Event-ID, last_event_id, "from"). It
// accepts exactly what Encode() produces: whatever it accepts re-encodes to the same text.
#include <string>
#include <string_view>

#include "broker/core/cursor.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<herald::Cursor> cursor = herald::Cursor::Parse(text);
  if (!cursor.ok()) {
    HERALD_FUZZ_CHECK(cursor.status().code() == absl::StatusCode::kInvalidArgument,
                      "a bad cursor is InvalidArgument");
    HERALD_FUZZ_CHECK(!cursor.status().message().empty(), "a bad cursor says why");
    return 0;
  }
  const std::string encoded = cursor->Encode();
  HERALD_FUZZ_CHECK(encoded == text, "only Encode()'s output parses");
  HERALD_FUZZ_CHECK(cursor->entries().size() <= herald::Cursor::kMaxEntries,
                    "a cursor holds at most kMaxEntries topics");
  return 0;
}
