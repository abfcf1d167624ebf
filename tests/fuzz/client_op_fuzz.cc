// ParseClientOp takes every WebSocket text message a browser sends. Anything else than a
// well-formed op is a clear error with a code of the contract, never a crash.
#include <string_view>

#include "broker/edge/ws/ws_ops.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<herald::edge::ws::ClientOp> op = herald::edge::ws::ParseClientOp(text);
  if (!op.ok()) {
    const std::string_view code = herald::edge::ws::WsErrorCode(op.status());
    HERALD_FUZZ_CHECK(code == "bad_request" || code == "unknown_op",
                      "a bad message is bad_request or unknown_op");
    HERALD_FUZZ_CHECK(!op.status().message().empty(), "a bad message says why");
    return 0;
  }
  using Kind = herald::edge::ws::ClientOp::Kind;
  HERALD_FUZZ_CHECK(op->kind == Kind::kSubscribe || op->kind == Kind::kUnsubscribe ||
                        op->kind == Kind::kPublish || op->kind == Kind::kPing ||
                        op->kind == Kind::kRefresh,
                    "an op is one of the five");
  HERALD_FUZZ_CHECK(op->kind == Kind::kRefresh || op->token.empty(),
                    "only refresh carries a token");
  HERALD_FUZZ_CHECK(op->kind != Kind::kRefresh || op->topic.empty(), "refresh names no topic");
  HERALD_FUZZ_CHECK(
      op->kind == Kind::kPublish || (op->data.empty() && op->event.empty() && op->ref.empty()),
      "only publish carries data, an event name and a ref");
  HERALD_FUZZ_CHECK(op->kind != Kind::kPing || (op->topic.empty() && op->from.empty()),
                    "ping carries nothing");
  return 0;
}
