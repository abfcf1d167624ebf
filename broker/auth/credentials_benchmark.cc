// The cost of checking credentials: one access token verification per browser connection (and
// per WebSocket refresh), one API key lookup per control-plane call. Neither is on the fan-out
// path; these numbers say what a connection storm or a busy publisher pays.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "broker/auth/api_keys.h"
#include "broker/auth/browser_token.h"
#include "broker/auth/test_tokens.h"

namespace herald::auth {
namespace {

const std::string kSecret = "a benchmark secret of 32 bytes or more";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const std::string kClaims = R"({"subscribe":["orders","prices.*"],"exp":1900000000})";

void VerifyWith(benchmark::State& state, const TestSigner& signer, BrowserTokenOptions options) {
  std::shared_ptr<BrowserTokenVerifier> verifier = *BrowserTokenVerifier::Create(options);
  const std::string token = signer.Token(kClaims);
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier->Verify(token, kNow));
  }
}

std::string KeysFile(const TestSigner& signer) {
  const std::string path = absl::StrCat("/tmp/herald_credentials_benchmark_", getpid(), "_",
                                        std::string(signer.algorithm()), ".pem");
  std::ofstream(path) << signer.PublicPem();
  return path;
}

void BM_VerifyHs256(benchmark::State& state) {
  VerifyWith(state, TestSigner::Hs256(kSecret), {.hs256_secret = kSecret});
}
BENCHMARK(BM_VerifyHs256);

void BM_VerifyRs256(benchmark::State& state) {
  const TestSigner signer = TestSigner::Rsa();
  const std::string path = KeysFile(signer);
  VerifyWith(state, signer, {.keys_file = path});
  std::remove(path.c_str());
}
BENCHMARK(BM_VerifyRs256);

void BM_VerifyEs256(benchmark::State& state) {
  const TestSigner signer = TestSigner::EcP256();
  const std::string path = KeysFile(signer);
  VerifyWith(state, signer, {.keys_file = path});
  std::remove(path.c_str());
}
BENCHMARK(BM_VerifyEs256);

// Every key is compared (constant time whichever matches): the cost grows with the file.
void BM_AuthorizeApiKey(benchmark::State& state) {
  std::vector<ApiKey> keys;
  for (int i = 0; i < state.range(0); ++i) {
    keys.push_back(
        ApiKey::FromRole(absl::StrCat("service-key-", i, "-0123456789"), Role::kPublisher));
  }
  const ApiKeyAuthenticator authenticator(std::move(keys));
  const std::string bearer = "Bearer service-key-0-0123456789";
  for (auto _ : state) {
    benchmark::DoNotOptimize(authenticator.Authorize(bearer, Action::kPublish, "orders"));
  }
}
BENCHMARK(BM_AuthorizeApiKey)->Arg(1)->Arg(100);

}  // namespace
}  // namespace herald::auth
