// What browsers and operators hand the auth layer: any token text (in the URL of every
// stream), and keys files. Every input is verified or refused with a reason, never a crash,
// and nothing unsigned is ever granted.
#include <string>
#include <string_view>

#include "broker/auth/api_keys.h"
#include "broker/auth/browser_token.h"
#include "broker/auth/verification_keys.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

const std::shared_ptr<herald::auth::BrowserTokenVerifier>& Verifier() {
  static const auto* verifier = new std::shared_ptr<herald::auth::BrowserTokenVerifier>(
      *herald::auth::BrowserTokenVerifier::Create(
          {.hs256_secret = "a fuzzing secret of 32 bytes or more"}));
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  herald::auth::TokenRefusal refusal = herald::auth::TokenRefusal::kMissing;
  absl::StatusOr<herald::auth::BrowserGrant> grant =
      Verifier()->Verify(text, absl::FromUnixSeconds(1'800'000'000), &refusal);
  // The fuzzer does not know the secret: a token it made can only be refused.
  HERALD_FUZZ_CHECK(!grant.ok(), "no token without the secret's signature is granted");
  HERALD_FUZZ_CHECK(grant.status().code() == absl::StatusCode::kUnauthenticated,
                    "a refused token is unauthenticated");
  HERALD_FUZZ_CHECK(!herald::auth::TokenRefusalName(refusal).empty(), "a refusal has a reason");

  absl::StatusOr<std::vector<herald::auth::VerificationKey>> keys =
      herald::auth::ParseVerificationKeys(text);
  HERALD_FUZZ_CHECK(keys.ok() ? !keys->empty() : !keys.status().message().empty(),
                    "a keys file gives keys or says why not");
  absl::StatusOr<std::vector<herald::auth::ApiKey>> api_keys = herald::auth::ParseApiKeys(text);
  if (api_keys.ok()) {
    for (const herald::auth::ApiKey& key : *api_keys) {
      HERALD_FUZZ_CHECK(key.sha256.size() == 32, "a key is known by its SHA-256");
      HERALD_FUZZ_CHECK(!key.name.empty(), "a key has a name for refusals");
    }
  } else {
    HERALD_FUZZ_CHECK(api_keys.status().message().find("line") != std::string_view::npos,
                      "a bad keys file names the line");
  }
  return 0;
}
