#include "broker/auth/verification_keys.h"

#include <array>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "boost/json.hpp"
#include "broker/core/string_view.h"

namespace herald::auth {
namespace {

namespace json = boost::json;

std::string_view View(const json::string& text) { return {text.data(), text.size()}; }

constexpr size_t kMinSecretBytes = 32;
constexpr int kMinRsaBits = 2048;
// ES256 signatures are R and S, 32 bytes each, concatenated (RFC 7518 3.4).
constexpr size_t kEs256CoordinateBytes = 32;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("access token keys: %s", AbslView(what)));
}

// The algorithm a public key verifies: RS256 for RSA of 2048 bits or more, ES256 for EC
// P-256.
absl::StatusOr<TokenAlgorithm> AlgorithmOf(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
      return Invalid(absl::StrFormat("RSA key of %d bits; use %d or more", EVP_PKEY_get_bits(key),
                                     kMinRsaBits));
    }
    return TokenAlgorithm::kRs256;
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    std::array<char, 64> curve{};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(key, curve.data(), curve.size(), &length) == 1 &&
        std::string_view(curve.data(), length) == "prime256v1") {
      return TokenAlgorithm::kEs256;
    }
    return Invalid(absl::StrFormat("EC key on curve '%s'; ES256 needs P-256 (prime256v1)",
                                   std::string_view(curve.data(), length)));
  }
  return Invalid("a public key that is neither RSA nor EC; use RS256 or ES256 keys");
}

absl::StatusOr<std::vector<VerificationKey>> ParsePem(std::string_view text,
                                                      VerificationKey (*make)(TokenAlgorithm,
                                                                              EVP_PKEY*)) {
  std::vector<VerificationKey> keys;
  size_t blocks = 0;
  for (size_t at = text.find("-----BEGIN "); at != std::string_view::npos;
       at = text.find("-----BEGIN ", at + 1)) {
    if (text.substr(at).starts_with("-----BEGIN PUBLIC KEY-----")) {
      ++blocks;
    } else {
      return Invalid(
          "the file holds a PEM block other than PUBLIC KEY; give public keys only (openssl "
          "pkey -pubout)");
    }
  }
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  while (keys.size() < blocks) {
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) {
      ERR_clear_error();
      return Invalid(absl::StrFormat("PEM public key %d cannot be read", keys.size() + 1));
    }
    absl::StatusOr<TokenAlgorithm> algorithm = AlgorithmOf(key);
    if (!algorithm.ok()) {
      EVP_PKEY_free(key);
      return algorithm.status();
    }
    keys.push_back(make(*algorithm, key));
  }
  return keys;
}

// A JWK member holding base64url, decoded; empty when absent or malformed.
std::string Base64UrlMember(const json::object& jwk, std::string_view name) {
  const json::value* member = jwk.if_contains(name);
  std::string out;
  if (member == nullptr || !member->is_string()) return out;
  if (!absl::WebSafeBase64Unescape(AbslView(View(member->as_string())), &out)) out.clear();
  return out;
}

std::string_view StringMember(const json::object& jwk, std::string_view name) {
  const json::value* member = jwk.if_contains(name);
  return member != nullptr && member->is_string() ? View(member->as_string()) : std::string_view();
}

// An RSA or EC public key from its parameters, or null.
EVP_PKEY* FromParams(const char* type, OSSL_PARAM_BLD* builder) {
  Params params(OSSL_PARAM_BLD_to_param(builder));
  PkeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

EVP_PKEY* RsaFromJwk(const json::object& jwk) {
  const std::string n = Base64UrlMember(jwk, "n");
  const std::string e = Base64UrlMember(jwk, "e");
  if (n.empty() || e.empty()) return nullptr;
  Bignum modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr));
  Bignum exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                            static_cast<int>(e.size()), nullptr));
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return nullptr;
  }
  return FromParams("RSA", builder.get());
}

EVP_PKEY* EcFromJwk(const json::object& jwk) {
  const std::string x = Base64UrlMember(jwk, "x");
  const std::string y = Base64UrlMember(jwk, "y");
  if (x.size() != kEs256CoordinateBytes || y.size() != kEs256CoordinateBytes) return nullptr;
  // The uncompressed point: 0x04, then X, then Y (SEC 1 2.3.3).
  std::string point = "\x04" + x + y;
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return FromParams("EC", builder.get());
}

bool VerifiesWithPublicKey(EVP_PKEY* key, std::string_view signing_input,
                           std::string_view signature) {
  MdContext context(EVP_MD_CTX_new());
  const bool ok =
      context != nullptr &&
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(
          context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

// JWS's R || S as the DER that OpenSSL verifies; empty for a signature of the wrong size.
std::string EcdsaDer(std::string_view signature) {
  if (signature.size() != 2 * kEs256CoordinateBytes) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  EcdsaSignature sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kEs256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string_view TokenAlgorithmName(TokenAlgorithm algorithm) {
  switch (algorithm) {
    case TokenAlgorithm::kHs256:
      return "HS256";
    case TokenAlgorithm::kRs256:
      return "RS256";
    case TokenAlgorithm::kEs256:
      return "ES256";
  }
  return "unknown";
}

absl::StatusOr<VerificationKey> VerificationKey::Hs256(std::string secret, std::string kid) {
  if (secret.size() < kMinSecretBytes) {
    return Invalid(absl::StrFormat("HS256 secret of %d bytes; use at least %d", secret.size(),
                                   kMinSecretBytes));
  }
  VerificationKey key(TokenAlgorithm::kHs256, std::move(kid));
  key.secret_ = std::move(secret);
  return key;
}

bool VerificationKey::Verifies(std::string_view signing_input, std::string_view signature) const {
  switch (algorithm_) {
    case TokenAlgorithm::kHs256: {
      std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
      unsigned int length = 0;
      if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
               reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
               mac.data(), &length) == nullptr) {
        return false;
      }
      return signature.size() == length && CRYPTO_memcmp(mac.data(), signature.data(), length) == 0;
    }
    case TokenAlgorithm::kRs256:
      return VerifiesWithPublicKey(public_key_.get(), signing_input, signature);
    case TokenAlgorithm::kEs256: {
      const std::string der = EcdsaDer(signature);
      return !der.empty() && VerifiesWithPublicKey(public_key_.get(), signing_input, der);
    }
  }
  return false;
}

absl::StatusOr<std::vector<VerificationKey>> ParseVerificationKeys(std::string_view text) {
  const auto make = [](TokenAlgorithm algorithm, EVP_PKEY* public_key) {
    VerificationKey key(algorithm, {});
    key.public_key_ = Share(public_key);
    return key;
  };
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Invalid("the file is empty");
  if (text[first] != '{') {
    absl::StatusOr<std::vector<VerificationKey>> keys = ParsePem(text, make);
    if (keys.ok() && keys->empty()) {
      return Invalid("no key found; give PEM PUBLIC KEY blocks or a JWKS document");
    }
    return keys;
  }
  boost::system::error_code ec;
  const json::value document = json::parse(json::string_view(text.data(), text.size()), ec);
  const json::value* members =
      !ec && document.is_object() ? document.as_object().if_contains("keys") : nullptr;
  if (members == nullptr || !members->is_array()) {
    return Invalid("not a JWKS document: expected {\"keys\": [...]}");
  }
  std::vector<VerificationKey> keys;
  for (const json::value& member : members->as_array()) {
    if (!member.is_object()) return Invalid("a JWKS key that is not an object");
    const json::object& jwk = member.as_object();
    const std::string_view use = StringMember(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    const std::string_view type = StringMember(jwk, "kty");
    const std::string kid(StringMember(jwk, "kid"));
    if (type == "oct") {
      absl::StatusOr<VerificationKey> key = VerificationKey::Hs256(Base64UrlMember(jwk, "k"), kid);
      if (!key.ok()) return key.status();
      keys.push_back(*std::move(key));
      continue;
    }
    if (type == "EC" && StringMember(jwk, "crv") != "P-256") continue;
    if (type != "RSA" && type != "EC") continue;
    EVP_PKEY* public_key = type == "RSA" ? RsaFromJwk(jwk) : EcFromJwk(jwk);
    if (public_key == nullptr) {
      return Invalid(absl::StrFormat("JWKS %s key '%s' has missing or malformed parameters",
                                     AbslView(type), kid));
    }
    absl::StatusOr<TokenAlgorithm> algorithm = AlgorithmOf(public_key);
    if (!algorithm.ok()) {
      EVP_PKEY_free(public_key);
      return algorithm.status();
    }
    VerificationKey key = make(*algorithm, public_key);
    key.kid_ = kid;
    keys.push_back(std::move(key));
  }
  if (keys.empty()) {
    return Invalid("the JWKS holds no RSA, EC P-256 or oct key for signatures");
  }
  return keys;
}

}  // namespace herald::auth
