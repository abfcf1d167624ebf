// The control plane's options: where it listens, who may call it, and its stream bounds.
//
//   control::ControlOptions options{.port = 0};  // 0: an ephemeral port (tests)
//   options.api_keys = *auth::ParseApiKeys(file_text);
#ifndef HERALD_BROKER_CONTROL_OPTIONS_H_
#define HERALD_BROKER_CONTROL_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "broker/auth/api_keys.h"

namespace herald::control {

struct ControlOptions {
  // The address to listen on: a host name, an IPv4 address or an IPv6 address.
  std::string address = "127.0.0.1";
  // 0 picks a free port; ControlServer::port() tells which.
  int port = 50051;
  // Empty: auth is off and every call is allowed (development only).
  std::vector<auth::ApiKey> api_keys;
  // A file of "sha256:<hex> allow=..." lines (see auth::ParseApiKeys), read at Start and added to
  // api_keys. Empty: none.
  std::string api_keys_file;
  // PEM files. With cert and key, the server speaks TLS; with client_ca too, it requires
  // client certificates signed by that CA (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Largest request message accepted; bigger ones get RESOURCE_EXHAUSTED from gRPC.
  size_t max_message_bytes = 4 << 20;
  // Events queued per Subscribe stream before it is ended as too slow (RESOURCE_EXHAUSTED;
  // the client resumes from its cursor).
  size_t subscriber_queue_events = 1024;
  // Requests a PublishStream reads ahead of the acks the client has taken.
  size_t publish_window = 64;
  // How long Shutdown() lets calls finish before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(5);
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_OPTIONS_H_
