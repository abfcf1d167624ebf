#include "broker/auth/test_tokens.h"

#include <array>
#include <cstdlib>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace herald::auth {
namespace {

// Tests cannot go on without their keys.
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test_tokens: %s failed\n", what);
    std::abort();
  }
}

std::string BignumParam(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* value = nullptr;
  Check(EVP_PKEY_get_bn_param(key, name, &value) == 1, name);
  std::string bytes(width > 0 ? width : BN_num_bytes(value), '\0');
  BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()),
               static_cast<int>(bytes.size()));
  BN_free(value);
  return bytes;
}

}  // namespace

std::string Base64Url(std::string_view bytes) {
  return absl::WebSafeBase64Escape(absl::string_view(bytes.data(), bytes.size()));
}

std::string Jwks(const std::vector<std::string>& jwks) {
  return absl::StrCat("{\"keys\":[", absl::StrJoin(jwks, ","), "]}");
}

TestSigner TestSigner::Rsa() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  Check(key != nullptr, "EVP_RSA_gen");
  return TestSigner("RS256", std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), {});
}

TestSigner TestSigner::EcP256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Check(key != nullptr, "EVP_EC_gen");
  return TestSigner("ES256", std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), {});
}

TestSigner TestSigner::Hs256(std::string secret) { return TestSigner("HS256", nullptr, secret); }

std::string TestSigner::PublicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(PEM_write_bio_PUBKEY(bio, key_.get()) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string TestSigner::Jwk(std::string_view kid) const {
  const std::string id = absl::StrCat("\"kid\":\"", std::string(kid), "\",\"use\":\"sig\"");
  if (algorithm_ == "HS256") {
    return absl::StrCat("{\"kty\":\"oct\",", id, ",\"k\":\"", Base64Url(secret_), "\"}");
  }
  if (algorithm_ == "RS256") {
    return absl::StrCat("{\"kty\":\"RSA\",", id, ",\"n\":\"",
                        Base64Url(BignumParam(key_.get(), OSSL_PKEY_PARAM_RSA_N)), "\",\"e\":\"",
                        Base64Url(BignumParam(key_.get(), OSSL_PKEY_PARAM_RSA_E)), "\"}");
  }
  return absl::StrCat("{\"kty\":\"EC\",\"crv\":\"P-256\",", id, ",\"x\":\"",
                      Base64Url(BignumParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)),
                      "\",\"y\":\"",
                      Base64Url(BignumParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)), "\"}");
}

std::string TestSigner::Sign(std::string_view header, std::string_view payload) const {
  const std::string input = absl::StrCat(Base64Url(header), ".", Base64Url(payload));
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::string signature;
  if (algorithm_ == "HS256") {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    Check(HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), data, input.size(),
               mac.data(), &length) != nullptr,
          "HMAC");
    signature.assign(reinterpret_cast<const char*>(mac.data()), length);
  } else {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    size_t length = 0;
    Check(EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
              EVP_DigestSign(context, nullptr, &length, data, input.size()) == 1,
          "EVP_DigestSignInit");
    signature.resize(length);
    Check(EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                         input.size()) == 1,
          "EVP_DigestSign");
    signature.resize(length);
    EVP_MD_CTX_free(context);
    if (algorithm_ == "ES256") {
      // OpenSSL signs in DER; JWS wants R and S, 32 bytes each.
      const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
      ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
      Check(sig != nullptr, "d2i_ECDSA_SIG");
      signature.assign(64, '\0');
      auto* out = reinterpret_cast<unsigned char*>(signature.data());
      BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
      ECDSA_SIG_free(sig);
    }
  }
  return absl::StrCat(input, ".", Base64Url(signature));
}

std::string TestSigner::Token(std::string_view payload, std::string_view kid) const {
  const std::string header =
      kid.empty() ? absl::StrCat("{\"alg\":\"", algorithm_, "\",\"typ\":\"JWT\"}")
                  : absl::StrCat("{\"alg\":\"", algorithm_, "\",\"typ\":\"JWT\",\"kid\":\"",
                                 std::string(kid), "\"}");
  return Sign(header, payload);
}

}  // namespace herald::auth
