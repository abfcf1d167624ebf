#include "tests/load/url.h"

namespace herald::load {

std::optional<Url> ParseUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  Url out;
  out.tls = url.substr(0, scheme) == "https" || url.substr(0, scheme) == "wss";
  url.remove_prefix(scheme + 3);
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  out.host = std::string(authority.substr(0, colon));
  out.port = std::string(authority.substr(colon + 1));
  return out;
}

}  // namespace herald::load
