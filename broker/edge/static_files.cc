#include "broker/edge/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "boost/beast/http/field.hpp"
#include "boost/beast/http/verb.hpp"

namespace herald::edge {

namespace http = boost::beast::http;

std::string ResolveStaticPath(std::string_view root, std::string_view path) {
  if (path.empty() || path.front() != '/') return {};
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return {};
  }
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    // A trailing slash leaves one empty last segment, which names the directory itself.
    const bool last = slash == std::string_view::npos || slash + 1 == rest.size();
    if (segment == "." || segment == ".." || (segment.empty() && !last)) return {};
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  std::string file(root);
  file.append(path);
  if (file.back() == '/') file.append("index.html");
  return file;
}

std::string_view ContentTypeFor(std::string_view file) {
  const size_t dot = file.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : file.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Response StaticFileResponse(const std::string& root, std::string_view path,
                            const Request& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    Response response = TextResponse(request.version(), request.keep_alive(),
                                     http::status::method_not_allowed, "use GET");
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  std::string file = ResolveStaticPath(root, path);
  std::error_code ec;
  if (!file.empty() && std::filesystem::is_directory(file, ec)) file.append("/index.html");
  std::ifstream in(file, std::ios::binary);
  if (file.empty() || !std::filesystem::is_regular_file(file, ec) || !in) {
    return TextResponse(request.version(), request.keep_alive(), http::status::not_found,
                        "not found");
  }
  std::ostringstream content;
  content << in.rdbuf();
  Response response(http::status::ok, request.version());
  response.set(http::field::server, "herald");
  response.set(http::field::content_type, ContentTypeFor(file));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(content).str();
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

}  // namespace herald::edge
