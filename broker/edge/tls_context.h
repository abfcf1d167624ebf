// The edge's TLS server configuration: a certificate chain and key read from PEM files into
// an OpenSSL context with the edge's protocol policy (TLS 1.2 and 1.3; on 1.2 only ECDHE key
// exchange with AEAD ciphers; ALPN http/1.1), re-read on demand (SIGHUP).
//
//   absl::StatusOr<std::unique_ptr<ServerTlsContext>> tls =
//       ServerTlsContext::Load("/etc/herald/cert.pem", "/etc/herald/key.pem");
//   TlsStream stream(std::move(socket), *(*tls)->Current());   // per accepted connection
//   absl::Status reloaded = (*tls)->Reload();   // new connections get the new certificate
#ifndef HERALD_BROKER_EDGE_TLS_CONTEXT_H_
#define HERALD_BROKER_EDGE_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"
#include "broker/core/mutex.h"

namespace herald::edge {

// OpenSSL's names of the TLS 1.2 ciphers the edge accepts: forward secret (ECDHE) and
// authenticated encryption (GCM, ChaCha20-Poly1305) only. TLS 1.3's suites all are.
inline constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Reads `cert_file` (PEM: the certificate, then any intermediates) and `key_file` (PEM
// private key) into a server context with the policy above. InvalidArgument naming the file
// and OpenSSL's reason when one cannot be read or parsed, or when the key is not the
// certificate's.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

// Thread-safe. A connection keeps the context it was accepted with (OpenSSL counts its
// references), so a reload never touches open connections.
class ServerTlsContext {
 public:
  // MakeServerTlsContext's errors.
  static absl::StatusOr<std::unique_ptr<ServerTlsContext>> Load(std::string cert_file,
                                                                std::string key_file);

  // The context new connections use.
  std::shared_ptr<boost::asio::ssl::context> Current() const;
  // Re-reads both files. On an error (the same as Load's) the current context stays.
  absl::Status Reload();

 private:
  ServerTlsContext(std::string cert_file, std::string key_file,
                   std::shared_ptr<boost::asio::ssl::context> context);

  const std::string cert_file_;
  const std::string key_file_;
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_TLS_CONTEXT_H_
