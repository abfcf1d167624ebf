// heraldctl: the operator's command-line client of Herald's gRPC control plane.
//
//   heraldctl topics create orders --max-events 10000 --max-age 24h
//   heraldctl publish orders '{"id":1}' --event created
//   heraldctl tail orders --from <cursor>
//   heraldctl --output json stats
//
// Depends on the API only (//api), never on the broker: it is a client like any other.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "admin/command_line.h"
#include "admin/table.h"
#include "api/grpc/health/v1/health.grpc.pb.h"
#include "api/herald/v1/admin.grpc.pb.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "api/herald/v1/subscribe.grpc.pb.h"
#include "api/herald/v1/topic.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace herald::admin {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const std::set<std::string> kValueFlags = {"server",    "token",      "output",
                                           "tls-ca",    "tls-cert",   "tls-key",
                                           "timeout",   "max-events", "max-bytes",
                                           "max-age",   "file",       "event",
                                           "dedup-key", "from",       "count",
                                           "page-size", "page-token", "topic",
                                           "transport", "reason",     "allow-browser-publish"};
const std::set<std::string> kBoolFlags = {"help", "stream", "tls"};

constexpr char kGlobalHelp[] = R"(heraldctl: manage a Herald broker over its gRPC control plane.

usage: heraldctl [global flags] <command> [args] [flags]

commands:
  topics create|get|list|update|delete   manage topics
  publish TOPIC [DATA]                    publish an event (DATA, --file or stdin)
  tail TOPIC...                           print events as they arrive
  health                                  the server's readiness (SERVING / NOT_SERVING)
  stats                                   topics, connections and rates
  connections list|kick                   list or disconnect streaming clients
  drain                                   stop accepting streams and send clients elsewhere

global flags (each with an environment fallback):
  --server HOST:PORT   control plane address (HERALD_SERVER; default 127.0.0.1:50051)
  --token KEY          API key, sent as 'authorization: Bearer KEY' (HERALD_TOKEN)
  --tls                use TLS with the system's root certificates
  --tls-ca FILE        use TLS, trusting this CA (HERALD_TLS_CA)
  --tls-cert FILE      client certificate for mutual TLS (HERALD_TLS_CERT)
  --tls-key FILE       its private key (HERALD_TLS_KEY)
  --output table|json  human tables (default) or JSON for scripts (HERALD_OUTPUT)
  --timeout DURATION   per call, and for connecting (default 5s)

Run 'heraldctl <command> --help' for a command's own flags. Exit status: 0 on success,
1 when the server reports an error (printed as 'error: CODE: message'), 2 for usage errors.
)";

const std::map<std::string, std::string>& CommandHelp() {
  static const auto* help = new std::map<std::string, std::string>{
      {"topics", R"(usage: heraldctl topics <create|get|list|update|delete> ...

  topics create NAME [--max-events N] [--max-bytes N] [--max-age DURATION]
                     [--allow-browser-publish true|false]
  topics get NAME
  topics list [--page-size N [--page-token TOKEN]]   (all pages unless --page-size)
  topics update NAME [--max-events N] [--max-bytes N] [--max-age DURATION]
                     [--allow-browser-publish true|false]   (only the flags given change)
  topics delete NAME

DURATION is like 90s, 15m, 24h or 1h30m; 0 means no age bound.
)"},
      {"publish", R"(usage: heraldctl publish TOPIC [DATA] [--file FILE] [--event TYPE]
                        [--dedup-key KEY] [--stream]

Publishes DATA, or the contents of --file, or (with neither, or DATA '-') stdin, as one
event and prints its offset and id (a cursor to tail from).
  --event TYPE     the event type (SSE 'event:' name); default 'message'
  --dedup-key KEY  a retried publish with the same key is stored once
  --stream         publish each line of stdin as its own event over one PublishStream,
                   printing one ack per line, in order
)"},
      {"tail", R"(usage: heraldctl tail TOPIC... [--from CURSOR] [--count N]

Prints each event as it arrives, until interrupted (or after --count events):
  TOPIC  OFFSET  EVENT  ID  DATA
  --from CURSOR  resume after this event id (from an earlier tail or publish)
  --count N      exit after N events
Data that is not printable UTF-8 is shown as base64:<...>. With --output json, one JSON
object per line.
)"},
      {"health", R"(usage: heraldctl health

Prints SERVING or NOT_SERVING (the standard grpc.health.v1 check). Exits 1 unless SERVING.
)"},
      {"stats", R"(usage: heraldctl stats

Prints topics, open connections per transport, events published and delivered, the publish
rate over the last minute, uptime and whether the node is draining. Needs an admin key.
)"},
      {"connections", R"(usage: heraldctl connections <list|kick> ...

  connections list [--topic NAME] [--transport grpc|sse|ws]
  connections kick ID [--reason TEXT]   the client is told to reconnect and resume
Needs an admin key.
)"},
      {"drain", R"(usage: heraldctl drain

Stops accepting new streams, reports NOT_SERVING on health and ends open streams so their
clients reconnect elsewhere. Unary calls are still served. Needs an admin key.
)"},
  };
  return *help;
}

// A failure to report: "error: CODE: message" and the exit status.
struct Failure {
  std::string code;
  std::string message;
  int exit_code = kExitFailure;
};

Failure Usage(std::string message) { return {"USAGE", std::move(message), kExitUsage}; }

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrFormat("CODE_%d", static_cast<int>(code));
  }
}

std::optional<std::string> FlagOrEnv(const CommandLine& line, const std::string& flag,
                                     const char* env) {
  if (std::optional<std::string> value = line.Value(flag)) return value;
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') {
    return std::string(value);
  }
  return std::nullopt;
}

std::optional<Failure> ReadFile(const std::string& path, std::string& out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Failure{"USAGE", absl::StrFormat("cannot read file '%s'", path), kExitUsage};
  out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return std::nullopt;
}

std::string ReadStdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// Printable UTF-8 is shown as is; anything else as base64, so a terminal never gets raw bytes.
std::string Printable(const std::string& data) {
  size_t i = 0;
  while (i < data.size()) {
    const unsigned char c = static_cast<unsigned char>(data[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + length > data.size()) break;
    if (length == 1 && (c < 0x20 || c == 0x7F) && c != '\t') break;
    bool ok = true;
    for (size_t k = 1; k < length; ++k) {
      ok = ok && (static_cast<unsigned char>(data[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) break;
    i += length;
  }
  if (i == data.size()) return data;
  return "base64:" + absl::Base64Escape(data);
}

std::string FormatDuration(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) return "-";
  return absl::FormatDuration(absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos()));
}

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

// Everything a command needs: the parsed line, the channel, credentials and output style.
class Session {
 public:
  explicit Session(CommandLine line) : line_(std::move(line)) {}

  std::optional<Failure> Connect() {
    server_ = FlagOrEnv(line_, "server", "HERALD_SERVER").value_or(kDefaultServer);
    token_ = FlagOrEnv(line_, "token", "HERALD_TOKEN").value_or("");
    const std::string output = FlagOrEnv(line_, "output", "HERALD_OUTPUT").value_or("table");
    if (output != "table" && output != "json") {
      return Usage(absl::StrFormat("--output is '%s'; use table or json", output));
    }
    json_ = output == "json";
    if (std::optional<std::string> timeout = line_.Value("timeout")) {
      if (!absl::ParseDuration(*timeout, &timeout_) || timeout_ <= absl::ZeroDuration()) {
        return Usage(absl::StrFormat("--timeout is '%s'; use a duration like 5s", *timeout));
      }
    }
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    const std::optional<std::string> ca = FlagOrEnv(line_, "tls-ca", "HERALD_TLS_CA");
    const std::optional<std::string> cert = FlagOrEnv(line_, "tls-cert", "HERALD_TLS_CERT");
    const std::optional<std::string> key = FlagOrEnv(line_, "tls-key", "HERALD_TLS_KEY");
    if (cert.has_value() != key.has_value()) {
      return Usage("--tls-cert and --tls-key go together: mutual TLS needs both");
    }
    if (line_.Has("tls") || ca || cert) {
      grpc::SslCredentialsOptions ssl;
      if (ca) {
        if (auto failure = ReadFile(*ca, ssl.pem_root_certs)) return failure;
      }
      if (cert) {
        if (auto failure = ReadFile(*cert, ssl.pem_cert_chain)) return failure;
        if (auto failure = ReadFile(*key, ssl.pem_private_key)) return failure;
      }
      credentials = grpc::SslCredentials(ssl);
    }
    channel_ = grpc::CreateChannel(server_, credentials);
    return std::nullopt;
  }

  const CommandLine& line() const { return line_; }
  bool json() const { return json_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // A context with the credentials and, for unary calls, the deadline.
  std::unique_ptr<grpc::ClientContext> Context(bool with_deadline = true) const {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
    if (with_deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    return context;
  }

  // Streams have no overall deadline; connecting still has one, so an unreachable server
  // is reported instead of waited for forever.
  std::optional<Failure> WaitConnected() const {
    if (channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + timeout_))) {
      return std::nullopt;
    }
    return Unreachable("no connection within " + absl::FormatDuration(timeout_));
  }

  Failure FromStatus(const grpc::Status& status) const {
    // gRPC's own wording for a failed connection; a server's UNAVAILABLE (draining, kicked)
    // carries its own message and is reported as is.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        (status.error_message().find("failed to connect to all addresses") != std::string::npos ||
         status.error_message().find("DNS resolution failed") != std::string::npos)) {
      return Unreachable(status.error_message());
    }
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return {"DEADLINE_EXCEEDED",
              absl::StrFormat("no answer from %s within %s; is it overloaded or unreachable? "
                              "raise --timeout or check --server",
                              server_, absl::FormatDuration(timeout_))};
    }
    return {CodeName(status.error_code()), status.error_message()};
  }

  void Print(const google::protobuf::Message& message) const { std::cout << Json(message) << "\n"; }

  std::string Json(const google::protobuf::Message& message) const {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    // Cannot fail for a message of a linked-in type.
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    return out;
  }

 private:
  Failure Unreachable(const std::string& detail) const {
    return {"UNAVAILABLE",
            absl::StrFormat("cannot reach the Herald control plane at %s (%s); is heraldd "
                            "running there? set --server or HERALD_SERVER",
                            server_, detail)};
  }

  CommandLine line_;
  std::string server_;
  std::string token_;
  bool json_ = false;
  absl::Duration timeout_ = absl::Seconds(5);
  std::shared_ptr<grpc::Channel> channel_;
};

std::optional<Failure> ParseCount(const CommandLine& line, const std::string& flag, uint64_t& out) {
  std::optional<std::string> value = line.Value(flag);
  if (!value) return std::nullopt;
  if (!absl::SimpleAtoi(*value, &out)) {
    return Usage(absl::StrFormat("--%s is '%s'; use a whole number", flag, *value));
  }
  return std::nullopt;
}

// Fills `topic` and `mask` from the retention flags; `mask` lists the flags given.
std::optional<Failure> TopicFromFlags(const CommandLine& line, v1::Topic& topic,
                                      std::vector<std::string>& mask) {
  uint64_t number = 0;
  if (line.Value("max-events")) {
    if (auto failure = ParseCount(line, "max-events", number)) return failure;
    topic.mutable_retention()->set_max_events(number);
    mask.push_back("retention.max_events");
  }
  if (line.Value("max-bytes")) {
    if (auto failure = ParseCount(line, "max-bytes", number)) return failure;
    topic.mutable_retention()->set_max_bytes(number);
    mask.push_back("retention.max_bytes");
  }
  if (std::optional<std::string> age = line.Value("max-age")) {
    absl::Duration duration;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(*age, &seconds)) {
      duration = absl::Seconds(seconds);
    } else if (!absl::ParseDuration(*age, &duration)) {
      return Usage(absl::StrFormat("--max-age is '%s'; use a duration like 90s, 15m or 24h", *age));
    }
    const int64_t whole = absl::ToInt64Seconds(duration);
    topic.mutable_retention()->mutable_max_age()->set_seconds(whole);
    topic.mutable_retention()->mutable_max_age()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(duration - absl::Seconds(whole))));
    mask.push_back("retention.max_age");
  }
  if (std::optional<std::string> allow = line.Value("allow-browser-publish")) {
    if (*allow != "true" && *allow != "false") {
      return Usage("--allow-browser-publish takes true or false");
    }
    topic.set_allow_browser_publish(*allow == "true");
    mask.push_back("allow_browser_publish");
  }
  return std::nullopt;
}

void PrintTopics(const Session& session, const std::vector<v1::Topic>& topics) {
  Table table({"NAME", "EPOCH", "FIRST", "LAST", "BYTES", "MAX_EVENTS", "MAX_BYTES", "MAX_AGE",
               "BROWSER_PUBLISH"});
  for (const v1::Topic& topic : topics) {
    if (session.json()) {
      session.Print(topic);
      continue;
    }
    table.AddRow(
        {topic.name(), absl::StrFormat("%d", topic.epoch()),
         absl::StrFormat("%d", topic.first_offset()), absl::StrFormat("%d", topic.last_offset()),
         absl::StrFormat("%d", topic.retained_bytes()),
         absl::StrFormat("%d", topic.retention().max_events()),
         topic.retention().max_bytes() == 0 ? "-"
                                            : absl::StrFormat("%d", topic.retention().max_bytes()),
         FormatDuration(topic.retention().max_age()),
         topic.allow_browser_publish() ? "yes" : "no"});
  }
  if (!session.json()) std::cout << table.Render();
}

std::optional<Failure> Topics(Session& session) {
  const std::vector<std::string>& args = session.line().positional;
  if (args.size() < 2) return Usage("topics needs a subcommand: create, get, list, update, delete");
  const std::string& verb = args[1];
  auto stub = v1::TopicService::NewStub(session.channel());
  auto need_name = [&]() -> std::optional<Failure> {
    if (args.size() != 3) return Usage(absl::StrFormat("usage: heraldctl topics %s NAME", verb));
    return std::nullopt;
  };

  if (verb == "list") {
    if (args.size() != 2) return Usage("topics list takes no arguments");
    v1::ListTopicsRequest request;
    const bool one_page = session.line().Value("page-size").has_value();
    uint64_t page_size = 0;
    if (auto failure = ParseCount(session.line(), "page-size", page_size)) return failure;
    request.set_page_size(static_cast<int32_t>(std::min<uint64_t>(page_size, 1 << 30)));
    request.set_page_token(session.line().Value("page-token").value_or(""));
    std::vector<v1::Topic> topics;
    std::string next;
    do {
      v1::ListTopicsResponse response;
      grpc::Status status = stub->ListTopics(session.Context().get(), request, &response);
      if (!status.ok()) return session.FromStatus(status);
      topics.insert(topics.end(), response.topics().begin(), response.topics().end());
      next = response.next_page_token();
      request.set_page_token(next);
    } while (!one_page && !next.empty());
    PrintTopics(session, topics);
    if (one_page && !next.empty()) std::cerr << "next page: --page-token " << next << "\n";
    return std::nullopt;
  }

  if (auto failure = need_name()) return failure;
  const std::string& name = args[2];
  v1::Topic topic;
  grpc::Status status;
  if (verb == "create") {
    v1::CreateTopicRequest request;
    std::vector<std::string> mask;
    request.mutable_topic()->set_name(name);
    if (auto failure = TopicFromFlags(session.line(), *request.mutable_topic(), mask)) {
      return failure;
    }
    status = stub->CreateTopic(session.Context().get(), request, &topic);
  } else if (verb == "get") {
    v1::GetTopicRequest request;
    request.set_name(name);
    status = stub->GetTopic(session.Context().get(), request, &topic);
  } else if (verb == "update") {
    v1::UpdateTopicRequest request;
    std::vector<std::string> mask;
    request.mutable_topic()->set_name(name);
    if (auto failure = TopicFromFlags(session.line(), *request.mutable_topic(), mask)) {
      return failure;
    }
    if (mask.empty()) {
      return Usage(
          "nothing to update; pass --max-events, --max-bytes, --max-age or "
          "--allow-browser-publish");
    }
    for (const std::string& path : mask) request.mutable_update_mask()->add_paths(path);
    status = stub->UpdateTopic(session.Context().get(), request, &topic);
  } else if (verb == "delete") {
    v1::DeleteTopicRequest request;
    v1::DeleteTopicResponse response;
    request.set_name(name);
    status = stub->DeleteTopic(session.Context().get(), request, &response);
    if (!status.ok()) return session.FromStatus(status);
    if (session.json()) {
      std::cout << absl::StrFormat("{\"deleted\":\"%s\"}\n", absl::CEscape(name));
    } else {
      std::cout << "deleted topic " << name << "\n";
    }
    return std::nullopt;
  } else {
    return Usage(absl::StrFormat(
        "unknown topics subcommand '%s'; use create, get, list, update or delete", verb));
  }
  if (!status.ok()) return session.FromStatus(status);
  PrintTopics(session, {topic});
  return std::nullopt;
}

void PrintAcks(const Session& session, const std::string& topic,
               const std::vector<v1::PublishResponse>& acks) {
  Table table({"TOPIC", "OFFSET", "EPOCH", "ID"});
  for (const v1::PublishResponse& ack : acks) {
    if (session.json()) {
      session.Print(ack);
      continue;
    }
    table.AddRow(
        {topic, absl::StrFormat("%d", ack.offset()), absl::StrFormat("%d", ack.epoch()), ack.id()});
  }
  if (!session.json()) std::cout << table.Render() << std::flush;
}

std::optional<Failure> PublishStream(Session& session, v1::PublishRequest prototype) {
  if (auto failure = session.WaitConnected()) return failure;
  auto stub = v1::PublishService::NewStub(session.channel());
  std::unique_ptr<grpc::ClientContext> context = session.Context(/*with_deadline=*/false);
  auto stream = stub->PublishStream(context.get());
  // Acks come back in request order; a reader thread prints them as they arrive so the
  // server's window never waits on stdin.
  std::thread reader([&] {
    v1::PublishResponse ack;
    while (stream->Read(&ack)) {
      if (session.json()) {
        session.Print(ack);
      } else {
        std::cout << absl::StrFormat("%s\t%d\t%s\n", prototype.topic(), ack.offset(), ack.id())
                  << std::flush;
      }
    }
  });
  std::string line;
  while (std::getline(std::cin, line)) {
    prototype.set_data(line);
    if (!stream->Write(prototype)) break;  // the server ended the stream: Finish says why
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return session.FromStatus(status);
  return std::nullopt;
}

std::optional<Failure> Publish(Session& session) {
  const std::vector<std::string>& args = session.line().positional;
  if (args.size() < 2 || args.size() > 3) {
    return Usage("usage: heraldctl publish TOPIC [DATA] [--file FILE] [--event TYPE] [--stream]");
  }
  v1::PublishRequest request;
  request.set_topic(args[1]);
  request.set_event(session.line().Value("event").value_or(""));
  request.set_dedup_key(session.line().Value("dedup-key").value_or(""));
  if (session.line().Has("stream")) {
    if (args.size() == 3 || session.line().Value("file")) {
      return Usage("--stream reads events from stdin, one per line; drop DATA and --file");
    }
    if (!request.dedup_key().empty()) {
      return Usage("--dedup-key would make every streamed line the same event; drop it");
    }
    return PublishStream(session, std::move(request));
  }
  const std::optional<std::string> file = session.line().Value("file");
  if (args.size() == 3 && file) return Usage("give DATA or --file, not both");
  if (file) {
    if (auto failure = ReadFile(*file, *request.mutable_data())) return failure;
  } else if (args.size() == 3 && args[2] != "-") {
    request.set_data(args[2]);
  } else {
    request.set_data(ReadStdin());
  }
  auto stub = v1::PublishService::NewStub(session.channel());
  v1::PublishResponse response;
  grpc::Status status = stub->Publish(session.Context().get(), request, &response);
  if (!status.ok()) return session.FromStatus(status);
  PrintAcks(session, request.topic(), {response});
  return std::nullopt;
}

std::optional<Failure> Tail(Session& session) {
  const std::vector<std::string>& args = session.line().positional;
  if (args.size() < 2) return Usage("usage: heraldctl tail TOPIC... [--from CURSOR] [--count N]");
  uint64_t count = 0;
  if (auto failure = ParseCount(session.line(), "count", count)) return failure;
  v1::SubscribeRequest request;
  for (size_t i = 1; i < args.size(); ++i) request.add_topics(args[i]);
  request.set_from(session.line().Value("from").value_or(""));
  if (auto failure = session.WaitConnected()) return failure;
  auto stub = v1::SubscribeService::NewStub(session.channel());
  std::unique_ptr<grpc::ClientContext> context = session.Context(/*with_deadline=*/false);
  auto reader = stub->Subscribe(context.get(), request);
  // Initial metadata arrives once the server subscribed: from here on nothing published is
  // missed. Say so on stderr, where it does not mix with the events.
  reader->WaitForInitialMetadata();
  // Where the stream starts: a tail that ends before its first event resumes from it with
  // `--from` and misses nothing.
  const auto& metadata = context->GetServerInitialMetadata();
  const auto start = metadata.find("herald-cursor");
  std::cerr << "tailing " << absl::StrJoin(request.topics(), ", ");
  if (start != metadata.end()) {
    std::cerr << " from " << std::string_view(start->second.data(), start->second.size());
  }
  std::cerr << std::endl;
  v1::Event event;
  uint64_t seen = 0;
  while ((count == 0 || seen < count) && reader->Read(&event)) {
    ++seen;
    if (session.json()) {
      // Each event as it comes: a reader of the pipe must not wait for the tail to end.
      session.Print(event);
      std::cout << std::flush;
    } else {
      std::cout << absl::StrFormat("%s\t%d\t%s\t%s\t%s\n", event.topic(), event.offset(),
                                   event.event().empty() ? "message" : event.event(), event.id(),
                                   Printable(event.data()))
                << std::flush;
    }
  }
  if (count != 0 && seen == count) {
    context->TryCancel();
    reader->Finish();
    return std::nullopt;
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return session.FromStatus(status);
  return std::nullopt;
}

std::optional<Failure> Health(Session& session) {
  auto stub = grpc::health::v1::Health::NewStub(session.channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(session.Context().get(), request, &response);
  if (!status.ok()) return session.FromStatus(status);
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (session.json()) {
    std::cout << absl::StrFormat("{\"status\":\"%s\"}\n", name);
  } else {
    std::cout << name << "\n";
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return Failure{name, "the server is not accepting work (draining or starting)"};
  }
  return std::nullopt;
}

std::optional<Failure> Stats(Session& session) {
  if (session.line().positional.size() != 1) return Usage("stats takes no arguments");
  auto stub = v1::AdminService::NewStub(session.channel());
  v1::GetStatsResponse response;
  grpc::Status status = stub->GetStats(session.Context().get(), {}, &response);
  if (!status.ok()) return session.FromStatus(status);
  if (session.json()) {
    session.Print(response);
    return std::nullopt;
  }
  Table table({"STAT", "VALUE"});
  table.AddRow({"topics", absl::StrFormat("%d", response.topics())});
  std::map<std::string, uint64_t> connections(response.connections().begin(),
                                              response.connections().end());
  for (const auto& [transport, count] : connections) {
    table.AddRow({"connections." + transport, absl::StrFormat("%d", count)});
  }
  table.AddRow(
      {"events_published_total", absl::StrFormat("%d", response.events_published_total())});
  table.AddRow({"publish_rate", absl::StrFormat("%.2f/s", response.publish_rate())});
  table.AddRow(
      {"events_delivered_total", absl::StrFormat("%d", response.events_delivered_total())});
  table.AddRow({"uptime", absl::FormatDuration(absl::Trunc(absl::Seconds(response.uptime_seconds()),
                                                           absl::Seconds(1)))});
  table.AddRow({"draining", response.draining() ? "yes" : "no"});
  std::cout << table.Render();
  return std::nullopt;
}

std::optional<Failure> Connections(Session& session) {
  const std::vector<std::string>& args = session.line().positional;
  if (args.size() < 2) return Usage("connections needs a subcommand: list or kick");
  auto stub = v1::AdminService::NewStub(session.channel());
  if (args[1] == "list") {
    if (args.size() != 2) return Usage("connections list takes no arguments; filter with flags");
    v1::ListConnectionsRequest request;
    request.set_topic(session.line().Value("topic").value_or(""));
    request.set_transport(session.line().Value("transport").value_or(""));
    v1::ListConnectionsResponse response;
    grpc::Status status = stub->ListConnections(session.Context().get(), request, &response);
    if (!status.ok()) return session.FromStatus(status);
    if (session.json()) {
      session.Print(response);
      return std::nullopt;
    }
    Table table({"ID", "TRANSPORT", "KIND", "PEER", "SINCE", "EVENTS", "TOPICS"});
    for (const v1::Connection& c : response.connections()) {
      table.AddRow({c.id(), c.transport(), c.kind(), c.peer(), FormatTime(c.connected_at()),
                    absl::StrFormat("%d", c.events()), absl::StrJoin(c.topics(), ",")});
    }
    std::cout << table.Render();
    return std::nullopt;
  }
  if (args[1] == "kick") {
    if (args.size() != 3) return Usage("usage: heraldctl connections kick ID [--reason TEXT]");
    v1::DisconnectConnectionRequest request;
    request.set_id(args[2]);
    request.set_reason(session.line().Value("reason").value_or(""));
    v1::DisconnectConnectionResponse response;
    grpc::Status status = stub->DisconnectConnection(session.Context().get(), request, &response);
    if (!status.ok()) return session.FromStatus(status);
    if (session.json()) {
      std::cout << absl::StrFormat("{\"disconnected\":\"%s\"}\n", absl::CEscape(args[2]));
    } else {
      std::cout << "disconnected " << args[2] << "\n";
    }
    return std::nullopt;
  }
  return Usage(absl::StrFormat("unknown connections subcommand '%s'; use list or kick", args[1]));
}

std::optional<Failure> Drain(Session& session) {
  if (session.line().positional.size() != 1) return Usage("drain takes no arguments");
  auto stub = v1::AdminService::NewStub(session.channel());
  v1::DrainResponse response;
  grpc::Status status = stub->Drain(session.Context().get(), {}, &response);
  if (!status.ok()) return session.FromStatus(status);
  if (session.json()) {
    session.Print(response);
  } else {
    std::cout << absl::StrFormat("draining; %d open streams told to reconnect elsewhere\n",
                                 response.closed_connections());
  }
  return std::nullopt;
}

int Run(const std::vector<std::string>& args) {
  absl::StatusOr<CommandLine> line = ParseCommandLine(args, kValueFlags, kBoolFlags);
  if (!line.ok()) {
    std::cerr << "error: USAGE: " << line.status().message() << "\n";
    return kExitUsage;
  }
  const std::string command = line->positional.empty() ? "" : line->positional[0];
  if (command.empty() || command == "help") {
    std::cout << kGlobalHelp;
    return line->Has("help") || command == "help" ? EXIT_SUCCESS : kExitUsage;
  }
  const std::map<std::string, std::function<std::optional<Failure>(Session&)>> commands = {
      {"topics", Topics}, {"publish", Publish},         {"tail", Tail},  {"health", Health},
      {"stats", Stats},   {"connections", Connections}, {"drain", Drain}};
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "error: USAGE: unknown command '" << command << "'; run heraldctl --help\n";
    return kExitUsage;
  }
  if (line->Has("help")) {
    std::cout << CommandHelp().at(command);
    return EXIT_SUCCESS;
  }
  Session session(*std::move(line));
  std::optional<Failure> failure = session.Connect();
  if (!failure) failure = it->second(session);
  if (!failure) return EXIT_SUCCESS;
  std::cerr << "error: " << failure->code << ": " << failure->message << "\n";
  return failure->exit_code;
}

}  // namespace
}  // namespace herald::admin

int main(int argc, char** argv) {
  return herald::admin::Run(std::vector<std::string>(argv + 1, argv + argc));
}
