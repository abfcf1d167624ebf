#include "broker/auth/browser_token.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "boost/json.hpp"
#include "broker/core/string_view.h"

namespace herald::auth {
namespace {

namespace json = boost::json;

std::string_view View(const json::string& text) { return {text.data(), text.size()}; }

// A refusal: the status for the client, the reason for the counters.
struct Refusal {
  TokenRefusal reason;
  std::string why;
};

absl::Status RefusedStatus(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrFormat(
      "access token refused: %s; send a valid token as 'Authorization: Bearer <token>' or "
      "?access_token=<token>",
      AbslView(why)));
}

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrFormat("cannot read %s file '%s'", AbslView(what), path));
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::optional<json::object> DecodeJsonPart(std::string_view part) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(AbslView(part), &text)) return std::nullopt;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::string_view StringClaim(const json::object& claims, std::string_view name) {
  const json::value* value = claims.if_contains(name);
  return value != nullptr && value->is_string() ? View(value->as_string()) : std::string_view();
}

// A NumericDate claim (seconds since the epoch, maybe fractional); nullopt when absent,
// `malformed` set when present but not a number.
std::optional<absl::Time> TimeClaim(const json::object& claims, std::string_view name,
                                    bool& malformed) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return absl::FromUnixSeconds(value->as_int64());
  if (value->is_uint64()) return absl::FromUnixSeconds(static_cast<int64_t>(value->as_uint64()));
  // Beyond a few million years a date means nothing (and would overflow).
  if (value->is_double() && std::abs(value->as_double()) < 1e14) {
    return absl::FromUnixMicros(static_cast<int64_t>(value->as_double() * 1e6));
  }
  malformed = true;
  return std::nullopt;
}

// Topic patterns from a JSON array of strings or one space-separated string; false for any
// other shape.
bool TopicPatterns(const json::value& value, std::vector<std::string>& out) {
  if (value.is_string()) {
    out = absl::StrSplit(AbslView(View(value.as_string())), ' ', absl::SkipEmpty());
    return true;
  }
  if (!value.is_array()) return false;
  for (const json::value& item : value.as_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(View(item.as_string()));
  }
  return true;
}

bool HasAudience(const json::object& claims, std::string_view audience) {
  const json::value* value = claims.if_contains("aud");
  if (value == nullptr) return false;
  if (value->is_string()) return View(value->as_string()) == audience;
  if (!value->is_array()) return false;
  for (const json::value& item : value->as_array()) {
    if (item.is_string() && View(item.as_string()) == audience) return true;
  }
  return false;
}

// Fills the grant's topics from `subscribe` and `publish`, or from the first claims
// (`topics` with a boolean `publish`).
std::optional<Refusal> ReadTopics(const json::object& claims, BrowserGrant& grant) {
  const json::value* subscribe = claims.if_contains("subscribe");
  const json::value* publish = claims.if_contains("publish");
  const json::value* topics = claims.if_contains("topics");
  if (subscribe != nullptr && !TopicPatterns(*subscribe, grant.subscribe)) {
    return Refusal{TokenRefusal::kMalformed, "'subscribe' is not a list of topics"};
  }
  if (publish != nullptr && !publish->is_bool() && !TopicPatterns(*publish, grant.publish)) {
    return Refusal{TokenRefusal::kMalformed, "'publish' is neither a list of topics nor a bool"};
  }
  if (topics != nullptr) {
    std::vector<std::string> legacy;
    if (!topics->is_string() || !TopicPatterns(*topics, legacy)) {
      return Refusal{TokenRefusal::kMalformed, "'topics' is not a space-separated string"};
    }
    if (publish != nullptr && publish->is_bool() && publish->as_bool()) {
      grant.publish.insert(grant.publish.end(), legacy.begin(), legacy.end());
    }
    grant.subscribe.insert(grant.subscribe.end(), legacy.begin(), legacy.end());
  }
  if (subscribe == nullptr && topics == nullptr && (publish == nullptr || publish->is_bool())) {
    return Refusal{TokenRefusal::kMissingClaim, "no 'subscribe', 'publish' or 'topics' claim"};
  }
  return std::nullopt;
}

std::optional<Refusal> CheckTimes(const json::object& claims, absl::Time now, absl::Duration leeway,
                                  BrowserGrant& grant) {
  bool malformed = false;
  const std::optional<absl::Time> exp = TimeClaim(claims, "exp", malformed);
  const std::optional<absl::Time> nbf = TimeClaim(claims, "nbf", malformed);
  const std::optional<absl::Time> iat = TimeClaim(claims, "iat", malformed);
  if (malformed) {
    return Refusal{TokenRefusal::kMalformed, "a time claim is not a number of seconds"};
  }
  if (!exp) return Refusal{TokenRefusal::kMissingClaim, "no 'exp' claim"};
  grant.expires_at = *exp + leeway;
  if (grant.expires_at <= now) {
    return Refusal{TokenRefusal::kExpired,
                   absl::StrFormat("expired at %s", absl::FormatTime(*exp, absl::UTCTimeZone()))};
  }
  if (nbf && *nbf > now + leeway) {
    return Refusal{
        TokenRefusal::kNotYetValid,
        absl::StrFormat("not valid before %s", absl::FormatTime(*nbf, absl::UTCTimeZone()))};
  }
  if (iat && *iat > now + leeway) {
    return Refusal{TokenRefusal::kNotYetValid, "issued in the future ('iat'); check the clocks"};
  }
  return std::nullopt;
}

std::optional<TokenAlgorithm> ParseAlgorithm(std::string_view name) {
  for (TokenAlgorithm algorithm :
       {TokenAlgorithm::kHs256, TokenAlgorithm::kRs256, TokenAlgorithm::kEs256}) {
    if (name == TokenAlgorithmName(algorithm)) return algorithm;
  }
  return std::nullopt;
}

}  // namespace

std::string_view TokenRefusalName(TokenRefusal refusal) {
  switch (refusal) {
    case TokenRefusal::kMissing:
      return "missing";
    case TokenRefusal::kMalformed:
      return "malformed";
    case TokenRefusal::kAlgorithm:
      return "algorithm";
    case TokenRefusal::kUnknownKey:
      return "unknown_key";
    case TokenRefusal::kBadSignature:
      return "bad_signature";
    case TokenRefusal::kExpired:
      return "expired";
    case TokenRefusal::kNotYetValid:
      return "not_yet_valid";
    case TokenRefusal::kWrongIssuer:
      return "wrong_issuer";
    case TokenRefusal::kWrongAudience:
      return "wrong_audience";
    case TokenRefusal::kMissingClaim:
      return "missing_claim";
  }
  return "unknown";
}

absl::StatusOr<std::shared_ptr<BrowserTokenVerifier>> BrowserTokenVerifier::Create(
    BrowserTokenOptions options) {
  std::shared_ptr<BrowserTokenVerifier> verifier(new BrowserTokenVerifier(std::move(options)));
  if (absl::Status loaded = verifier->Reload(); !loaded.ok()) return loaded;
  return verifier;
}

absl::StatusOr<std::shared_ptr<const BrowserTokenVerifier::Keys>> BrowserTokenVerifier::ReadKeys()
    const {
  auto keys = std::make_shared<Keys>();
  std::string secret = options_.hs256_secret;
  if (!options_.hs256_secret_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(options_.hs256_secret_file, "access token secret");
    if (!text.ok()) return text.status();
    secret = *std::move(text);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  if (!secret.empty()) {
    absl::StatusOr<VerificationKey> key = VerificationKey::Hs256(std::move(secret));
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s",
          options_.hs256_secret_file.empty() ? "the HS256 secret" : options_.hs256_secret_file,
          key.status().message()));
    }
    keys->push_back(*std::move(key));
  }
  if (!options_.keys_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(options_.keys_file, "access token keys");
    if (!text.ok()) return text.status();
    absl::StatusOr<Keys> parsed = ParseVerificationKeys(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s", options_.keys_file, parsed.status().message()));
    }
    keys->insert(keys->end(), parsed->begin(), parsed->end());
  }
  if (keys->empty()) {
    return absl::InvalidArgumentError(
        "access tokens need a key: an HS256 secret or a keys file (PEM public keys or JWKS)");
  }
  return keys;
}

absl::Status BrowserTokenVerifier::Reload() {
  absl::StatusOr<std::shared_ptr<const Keys>> keys = ReadKeys();
  if (!keys.ok()) return keys.status();
  MutexLock lock(mutex_);
  keys_ = *std::move(keys);
  return absl::OkStatus();
}

std::shared_ptr<const BrowserTokenVerifier::Keys> BrowserTokenVerifier::keys() const {
  MutexLock lock(mutex_);
  return keys_;
}

absl::StatusOr<BrowserGrant> BrowserTokenVerifier::Verify(std::string_view token, absl::Time now,
                                                          TokenRefusal* refusal) const {
  const auto refuse = [refusal](TokenRefusal reason, std::string_view why) {
    if (refusal != nullptr) *refusal = reason;
    return RefusedStatus(why);
  };
  if (token.empty()) return refuse(TokenRefusal::kMissing, "no token");
  const std::vector<absl::string_view> parts = absl::StrSplit(AbslView(token), '.');
  std::string signature;
  const std::optional<json::object> header =
      parts.size() == 3 ? DecodeJsonPart(StdView(parts[0])) : std::nullopt;
  if (!header || !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return refuse(TokenRefusal::kMalformed, "not a JWT (header.payload.signature)");
  }
  const std::string_view algorithm_name = StringClaim(*header, "alg");
  const std::optional<TokenAlgorithm> algorithm = ParseAlgorithm(algorithm_name);
  if (!algorithm) {
    return refuse(TokenRefusal::kAlgorithm,
                  absl::StrFormat("algorithm '%s' is not accepted; sign with HS256, RS256 or "
                                  "ES256",
                                  AbslView(algorithm_name)));
  }
  // A key verifies only its own algorithm: the header picks among keys, never how a key is
  // used.
  const std::string_view kid = StringClaim(*header, "kid");
  const std::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool candidate = false;
  bool verified = false;
  // Held for the loop: a Reload() meanwhile swaps in other keys and leaves these alive.
  const std::shared_ptr<const Keys> keys = this->keys();
  for (const VerificationKey& key : *keys) {
    if (key.algorithm() != *algorithm || (!kid.empty() && !key.kid().empty() && key.kid() != kid)) {
      continue;
    }
    candidate = true;
    if (key.Verifies(signing_input, signature)) {
      verified = true;
      break;
    }
  }
  if (!candidate) {
    return refuse(TokenRefusal::kUnknownKey,
                  kid.empty() ? absl::StrFormat("no %s key is configured",
                                                AbslView(TokenAlgorithmName(*algorithm)))
                              : absl::StrFormat("unknown key '%s' for %s", AbslView(kid),
                                                AbslView(TokenAlgorithmName(*algorithm))));
  }
  if (!verified) {
    return refuse(TokenRefusal::kBadSignature, "bad signature (not signed by a configured key)");
  }
  const std::optional<json::object> claims = DecodeJsonPart(StdView(parts[1]));
  if (!claims) return refuse(TokenRefusal::kMalformed, "the payload is not a JSON object");
  BrowserGrant grant;
  std::optional<Refusal> wrong = CheckTimes(*claims, now, options_.leeway, grant);
  if (!wrong && !options_.issuer.empty() && StringClaim(*claims, "iss") != options_.issuer) {
    wrong = Refusal{TokenRefusal::kWrongIssuer,
                    absl::StrFormat("wrong issuer '%s'; expected '%s'",
                                    AbslView(StringClaim(*claims, "iss")), options_.issuer)};
  }
  if (!wrong && !options_.audience.empty() && !HasAudience(*claims, options_.audience)) {
    wrong = Refusal{TokenRefusal::kWrongAudience,
                    absl::StrFormat("wrong audience; expected '%s'", options_.audience)};
  }
  if (!wrong) wrong = ReadTopics(*claims, grant);
  if (wrong) return refuse(wrong->reason, wrong->why);
  grant.subject = std::string(StringClaim(*claims, "sub"));
  return grant;
}

}  // namespace herald::auth
