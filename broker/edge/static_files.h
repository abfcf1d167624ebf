// Serves files of one directory (the examples' pages) at `/`. GET and HEAD only; no
// directory listings; `/` and directories map to their index.html.
//
//   Response response = StaticFileResponse("/srv/www", request);
#ifndef HERALD_BROKER_EDGE_STATIC_FILES_H_
#define HERALD_BROKER_EDGE_STATIC_FILES_H_

#include <string>
#include <string_view>

#include "broker/edge/http_response.h"

namespace herald::edge {

// The file under `root` named by the decoded request `path`, or an empty string when the
// path leaves the directory (a "..", "." or empty segment, a backslash, a NUL).
std::string ResolveStaticPath(std::string_view root, std::string_view path);

// The Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view file);

// 200 with the file, 404 when it does not exist or is outside `root`, 405 for methods other
// than GET and HEAD.
Response StaticFileResponse(const std::string& root, std::string_view path, const Request& request);

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_STATIC_FILES_H_
