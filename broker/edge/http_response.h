// Small HTTP responses of the edge (errors, health, CORS preflight) and the mapping of
// absl::Status to HTTP status codes, the one such mapping at this boundary.
//
//   co_await http::async_write(socket, TextResponse(request, http::status::not_found,
//                                                   "topic 'x' not found"), token);
#ifndef HERALD_BROKER_EDGE_HTTP_RESPONSE_H_
#define HERALD_BROKER_EDGE_HTTP_RESPONSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/status.hpp"
#include "boost/beast/http/string_body.hpp"

namespace herald::edge {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// InvalidArgument → 400, NotFound → 404, PermissionDenied → 403, Unauthenticated → 401,
// ResourceExhausted → 429, Unavailable → 503, anything else → 500.
boost::beast::http::status HttpStatusOf(const absl::Status& status);

// A text/plain response; `text` gets a trailing newline. Keep-alive follows the request.
Response TextResponse(unsigned version, bool keep_alive, boost::beast::http::status status,
                      std::string text);

// CORS response headers for a request from `origin` (no-op when `origin` is empty).
// Credentials are allowed, so the origin is echoed rather than "*".
void AddCorsHeaders(Response& response, std::string_view origin);
// The same, as raw header lines ("Name: value\r\n"), for streams whose head is written by hand.
std::string CorsHeaderLines(std::string_view origin);

// The answer to a CORS preflight (OPTIONS) for the SSE endpoint.
Response PreflightResponse(const Request& request);

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_HTTP_RESPONSE_H_
