#include "admin/token_commands.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "admin/access_token.h"
#include "admin/invocation.h"
#include "admin/output.h"

namespace herald::admin {
namespace {

struct TokenFlags {
  std::vector<std::string> topics;
  bool publish = false;
  std::string ttl = "1h";
  std::string subject;
  std::optional<std::string> secret_file;
};

// --secret-file, else the selected context's.
absl::StatusOr<std::string> SecretFile(const TokenFlags& flags, const Invocation& invocation) {
  if (flags.secret_file) return *flags.secret_file;
  absl::StatusOr<std::optional<Context>> context = invocation.SelectedContext();
  if (!context.ok()) return context.status();
  if (context->has_value() && !(*context)->secret_file().empty()) {
    return (*context)->secret_file();
  }
  return absl::InvalidArgumentError(
      "no token secret: pass --secret-file (the file heraldd's --access_token_secret_file "
      "reads), or add a context with one: heraldctl context add NAME --server HOST:PORT "
      "--secret-file FILE");
}

std::optional<Failure> CreateToken(const TokenFlags& flags, Invocation& invocation) {
  absl::Duration ttl;
  if (!absl::ParseDuration(flags.ttl, &ttl) || ttl <= absl::ZeroDuration()) {
    return Usage(absl::StrFormat("--ttl is '%s'; use a duration like 15m or 1h", flags.ttl));
  }
  absl::StatusOr<std::string> path = SecretFile(flags, invocation);
  if (!path.ok()) return FromLocalStatus(path.status());
  absl::StatusOr<std::string> secret = ReadAccessTokenSecret(*path);
  if (!secret.ok()) return FromLocalStatus(secret.status());
  // Whole seconds: the claims carry no more, and the printed expiry must match them.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  const AccessTokenClaims claims = {.topics = SplitListFlag(flags.topics),
                                    .publish = flags.publish,
                                    .subject = flags.subject,
                                    .issued_at = now,
                                    .expires_at = now + absl::Trunc(ttl, absl::Seconds(1))};
  absl::StatusOr<std::string> token = MintAccessToken(*secret, claims);
  if (!token.ok()) return FromLocalStatus(token.status());
  Printer& out = invocation.out();
  if (!out.structured()) {
    out.PrintLine(*token);
    return std::nullopt;
  }
  CreatedToken created;
  created.set_token(*token);
  for (const std::string& topic : claims.topics) created.add_topics(topic);
  created.set_publish(claims.publish);
  created.set_subject(claims.subject);
  created.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(claims.expires_at));
  out.Print(created);
  return std::nullopt;
}

}  // namespace

void AddTokenCommands(CLI::App& root, CommandSet& commands) {
  CLI::App& token = commands.AddGroup(root, "token", "browser access tokens");
  auto flags = std::make_shared<TokenFlags>();
  CLI::App& create = commands.Add(
      token, "create", "mint a browser access token (an HS256 JWT) for local development",
      [flags](Invocation& invocation) { return CreateToken(*flags, invocation); });
  create
      .add_option("--topics", flags->topics,
                  "topics it grants, space- or comma-separated; news.* is a prefix")
      ->type_name("TOPICS")
      ->required();
  create.add_flag("--publish", flags->publish, "allow publishing (over WebSocket)");
  create.add_option("--ttl", flags->ttl, "how long it is valid")
      ->type_name("DURATION")
      ->capture_default_str();
  create
      .add_option("--subject", flags->subject,
                  "whom it is for (the 'sub' claim, shown by connections list)")
      ->type_name("NAME");
  create
      .add_option("--secret-file", flags->secret_file,
                  "heraldd's --access_token_secret_file (default: the context's)")
      ->type_name("FILE");
  create.footer(
      "Prints the token; browsers send it as 'Authorization: Bearer <token>' or "
      "?access_token=<token>. Production tokens come from your backend, which holds the "
      "secret; this is for trying Herald out.");
}

}  // namespace herald::admin
