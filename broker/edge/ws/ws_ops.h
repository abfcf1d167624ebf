// The herald.v1.json operations a browser sends on /v1/ws, parsed from one text message.
// No I/O.
//
//   absl::StatusOr<ClientOp> op = ParseClientOp(R"({"op":"subscribe","topic":"A"})");
//   if (!op.ok()) send(EncodeWsError(WsErrorCode(op.status()), op.status().message()));
#ifndef HERALD_BROKER_EDGE_WS_WS_OPS_H_
#define HERALD_BROKER_EDGE_WS_WS_OPS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::edge::ws {

struct ClientOp {
  // kPing asks for a {"op":"pong"}: browsers cannot see WebSocket pings, so a page that wants
  // to know its connection is alive asks in a text frame.
  // kRefresh hands the session a new access token before its current one expires.
  enum class Kind { kSubscribe, kUnsubscribe, kPublish, kPing, kRefresh };
  Kind kind = Kind::kSubscribe;
  std::string topic;
  // subscribe: the cursor to resume from; empty: from the next event.
  std::string from;
  // publish: the payload and the optional event name.
  std::string data;
  std::string event;
  // publish: the client's name for this publish, echoed in the server's answer ("published"
  // once stored, or the error) so that a client can match answers to publishes. Empty: only
  // a failure is answered.
  std::string ref;
  // refresh: the new access token.
  std::string token;
};

// InvalidArgument (code "bad_request") for text that is not a JSON object with a string
// "op" and the fields its op needs (every op but ping and refresh names a "topic"; refresh
// carries a "token"); Unimplemented (code "unknown_op") for an op other than subscribe,
// unsubscribe, publish, ping and refresh. Messages name the bad field.
absl::StatusOr<ClientOp> ParseClientOp(std::string_view text);

// The error frame `code` for a status: the one mapping of Status to WS error codes.
// InvalidArgument "bad_request", Unimplemented "unknown_op", NotFound "not_found",
// AlreadyExists "already_subscribed", PermissionDenied "permission_denied", Unauthenticated
// "unauthenticated",
// ResourceExhausted "resource_exhausted", Unavailable "unavailable", else "internal".
std::string_view WsErrorCode(const absl::Status& status);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_OPS_H_
