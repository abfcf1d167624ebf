#include "broker/edge/ws/ws_ops.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "broker/core/string_view.h"

namespace herald::edge::ws {
namespace {

namespace json = boost::json;

// The string field `name`, or empty when absent; InvalidArgument when present but no string.
absl::StatusOr<std::string> StringField(const json::object& object, std::string_view name,
                                        bool required) {
  const json::value* value = object.if_contains(json::string_view(name.data(), name.size()));
  if (value == nullptr || value->is_null()) {
    if (required) {
      return absl::InvalidArgumentError(absl::StrFormat("field \"%s\" is required", name));
    }
    return std::string();
  }
  const json::string* text = value->if_string();
  if (text == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat("field \"%s\" must be a string", name));
  }
  return std::string(text->data(), text->size());
}

}  // namespace

absl::StatusOr<ClientOp> ParseClientOp(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("message is not JSON (", ec.message(),
                     "); send an object like {\"op\":\"subscribe\",\"topic\":\"A\"}"));
  }
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return absl::InvalidArgumentError(
        "message must be a JSON object like {\"op\":\"subscribe\",\"topic\":\"A\"}");
  }
  absl::StatusOr<std::string> op = StringField(*object, "op", /*required=*/true);
  if (!op.ok()) return op.status();
  ClientOp result;
  if (*op == "subscribe") {
    result.kind = ClientOp::Kind::kSubscribe;
  } else if (*op == "unsubscribe") {
    result.kind = ClientOp::Kind::kUnsubscribe;
  } else if (*op == "publish") {
    result.kind = ClientOp::Kind::kPublish;
  } else if (*op == "ping") {
    result.kind = ClientOp::Kind::kPing;
    return result;
  } else if (*op == "refresh") {
    result.kind = ClientOp::Kind::kRefresh;
    absl::StatusOr<std::string> token = StringField(*object, "token", /*required=*/true);
    if (!token.ok()) return token.status();
    result.token = *std::move(token);
    return result;
  } else {
    return absl::UnimplementedError(absl::StrCat(
        "unknown op '", *op, "'; use subscribe, unsubscribe, publish, ping or refresh"));
  }
  absl::StatusOr<std::string> topic = StringField(*object, "topic", /*required=*/true);
  if (!topic.ok()) return topic.status();
  result.topic = *std::move(topic);
  if (result.kind == ClientOp::Kind::kSubscribe) {
    absl::StatusOr<std::string> from = StringField(*object, "from", /*required=*/false);
    if (!from.ok()) return from.status();
    result.from = *std::move(from);
  } else if (result.kind == ClientOp::Kind::kPublish) {
    absl::StatusOr<std::string> data = StringField(*object, "data", /*required=*/true);
    if (!data.ok()) return data.status();
    absl::StatusOr<std::string> event = StringField(*object, "event", /*required=*/false);
    if (!event.ok()) return event.status();
    absl::StatusOr<std::string> ref = StringField(*object, "ref", /*required=*/false);
    if (!ref.ok()) return ref.status();
    result.data = *std::move(data);
    result.event = *std::move(event);
    result.ref = *std::move(ref);
  }
  return result;
}

std::string_view WsErrorCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return "bad_request";
    case absl::StatusCode::kUnimplemented:
      return "unknown_op";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_subscribed";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

}  // namespace herald::edge::ws
