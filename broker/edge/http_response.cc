#include "broker/edge/http_response.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/beast/http/field.hpp"
#include "broker/core/string_view.h"

namespace herald::edge {

namespace http = boost::beast::http;

http::status HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return http::status::ok;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return http::status::bad_request;
    case absl::StatusCode::kNotFound:
      return http::status::not_found;
    case absl::StatusCode::kPermissionDenied:
      return http::status::forbidden;
    case absl::StatusCode::kUnauthenticated:
      return http::status::unauthorized;
    case absl::StatusCode::kResourceExhausted:
      return http::status::too_many_requests;
    case absl::StatusCode::kUnavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

Response TextResponse(unsigned version, bool keep_alive, http::status status, std::string text) {
  Response response(status, version);
  response.set(http::field::server, "herald");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::cache_control, "no-cache");
  text.push_back('\n');
  response.body() = std::move(text);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

void AddCorsHeaders(Response& response, std::string_view origin) {
  if (origin.empty()) return;
  response.set(http::field::access_control_allow_origin, origin);
  response.set(http::field::access_control_allow_credentials, "true");
  response.set(http::field::vary, "Origin");
}

std::string CorsHeaderLines(std::string_view origin) {
  if (origin.empty()) return {};
  return absl::StrCat("Access-Control-Allow-Origin: ", AbslView(origin),
                      "\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n");
}

Response PreflightResponse(const Request& request) {
  Response response(http::status::no_content, request.version());
  response.set(http::field::server, "herald");
  AddCorsHeaders(response, request[http::field::origin]);
  response.set(http::field::access_control_allow_methods, "GET, OPTIONS");
  response.set(http::field::access_control_allow_headers,
               "Authorization, Last-Event-ID, Cache-Control");
  response.set(http::field::access_control_max_age, "600");
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

}  // namespace herald::edge
