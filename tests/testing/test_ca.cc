#include "tests/testing/test_ca.h"

#include <cstdio>
#include <cstdlib>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <utility>

namespace herald::testing {
namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "TestCa: %s failed\n", what);
  std::abort();
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

std::string Pem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(write(bio, object) == 1, "PEM_write");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string CertPem(X509* cert) {
  return Pem([](BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); },
             cert);
}

std::string KeyPem(EVP_PKEY* key) {
  return Pem(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      key);
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  Check(extension != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate of `key` named `common_name`, valid from an hour ago for a day, not yet
// signed; its own issuer when `issuer` is null.
X509Ptr NewCertificate(EVP_PKEY* key, const std::string& common_name, uint64_t serial,
                       X509* issuer) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  return cert;
}

}  // namespace

struct TestCa::Keys {
  KeyPtr key;
  X509Ptr cert;
};

TestCa::TestCa(std::unique_ptr<Keys> keys, std::string cert_pem)
    : keys_(std::move(keys)), cert_pem_(std::move(cert_pem)) {}
TestCa::TestCa(TestCa&&) noexcept = default;
TestCa& TestCa::operator=(TestCa&&) noexcept = default;
TestCa::~TestCa() = default;

TestCa TestCa::Make(const std::string& name) {
  auto keys = std::make_unique<Keys>();
  keys->key = NewKey();
  keys->cert = NewCertificate(keys->key.get(), name, 1, nullptr);
  AddExtension(keys->cert.get(), keys->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(keys->cert.get(), keys->cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(keys->cert.get(), keys->cert.get(), NID_subject_key_identifier, "hash");
  Check(X509_sign(keys->cert.get(), keys->key.get(), EVP_sha256()) > 0, "X509_sign");
  std::string pem = CertPem(keys->cert.get());
  return TestCa(std::move(keys), std::move(pem));
}

TestCertificate TestCa::Issue(const std::string& common_name, uint64_t serial) const {
  KeyPtr key = NewKey();
  X509Ptr cert = NewCertificate(key.get(), common_name, serial, keys_->cert.get());
  AddExtension(cert.get(), keys_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), keys_->cert.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), keys_->cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  AddExtension(cert.get(), keys_->cert.get(), NID_authority_key_identifier, "keyid");
  Check(X509_sign(cert.get(), keys_->key.get(), EVP_sha256()) > 0, "X509_sign");
  return {.cert_pem = CertPem(cert.get()), .key_pem = KeyPem(key.get())};
}

uint64_t SerialOf(const std::string& cert_pem) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  uint64_t serial = 0;
  if (cert == nullptr ||
      ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(cert.get())) != 1) {
    return 0;
  }
  return serial;
}

}  // namespace herald::testing
