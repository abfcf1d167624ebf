#include "broker/edge/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <utility>

#include "absl/strings/str_cat.h"

namespace herald::edge {

namespace ssl = boost::asio::ssl;

namespace {

// ALPN: http/1.1 is all the edge speaks. A client that offers ALPN without it is refused
// with no_application_protocol (RFC 7301 3.2); one that offers none gets HTTP/1.1 anyway.
int SelectHttp11(SSL*, const unsigned char** out, unsigned char* out_length,
                 const unsigned char* offered, unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof(kHttp11), offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Asio's error carries OpenSSL's first queued error: what is left is dropped, so that it is
// not reported with a later, unrelated failure.
std::string OpenSslReason(const boost::system::error_code& ec) {
  ERR_clear_error();
  return ec.message();
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                   const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("OpenSSL accepts none of the edge's TLS 1.2 ciphers");
  }
  SSL_CTX_set_alpn_select_cb(native, &SelectHttp11, nullptr);
  // An encrypted key fails to load instead of OpenSSL asking for its passphrase on the
  // terminal, which would stop a daemon (and a reload) for good.
  SSL_CTX_set_default_passwd_cb(native, [](char*, int, int, void*) { return 0; });
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read the TLS certificate chain '",
                                                   cert_file, "': ", OpenSslReason(ec),
                                                   "; it must be PEM, the certificate first"));
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return absl::InvalidArgumentError(absl::StrCat("the TLS private key '", key_file,
                                                   "' does not belong to the certificate '",
                                                   cert_file, "'; install the pair together"));
  }
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read the TLS private key '", key_file,
                                                   "': ", OpenSslReason(ec),
                                                   "; it must be an unencrypted PEM key"));
  }
  return context;
}

ServerTlsContext::ServerTlsContext(std::string cert_file, std::string key_file,
                                   std::shared_ptr<ssl::context> context)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      current_(std::move(context)) {}

absl::StatusOr<std::unique_ptr<ServerTlsContext>> ServerTlsContext::Load(std::string cert_file,
                                                                         std::string key_file) {
  absl::StatusOr<std::shared_ptr<ssl::context>> context = MakeServerTlsContext(cert_file, key_file);
  if (!context.ok()) return context.status();
  return std::unique_ptr<ServerTlsContext>(
      new ServerTlsContext(std::move(cert_file), std::move(key_file), *std::move(context)));
}

std::shared_ptr<ssl::context> ServerTlsContext::Current() const {
  MutexLock lock(mu_);
  return current_;
}

absl::Status ServerTlsContext::Reload() {
  absl::StatusOr<std::shared_ptr<ssl::context>> context =
      MakeServerTlsContext(cert_file_, key_file_);
  if (!context.ok()) return context.status();
  MutexLock lock(mu_);
  current_ = *std::move(context);
  return absl::OkStatus();
}

}  // namespace herald::edge
