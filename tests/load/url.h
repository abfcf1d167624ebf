// The parts of an http://, ws://, https:// or wss:// URL the load tools connect with. No I/O.
//
//   std::optional<Url> url = ParseUrl("http://127.0.0.1:8080/v1/sse?topic=load");
//   // url->host == "127.0.0.1", url->port == "8080", url->target == "/v1/sse?topic=load"
#ifndef HERALD_TESTS_LOAD_URL_H_
#define HERALD_TESTS_LOAD_URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace herald::load {

struct Url {
  std::string host;
  std::string port;
  std::string target;  // path and query; "/" when the URL has none
  bool tls = false;    // https:// or wss://
};

// Nothing unless `url` has a scheme and an explicit port.
std::optional<Url> ParseUrl(std::string_view url);

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_URL_H_
