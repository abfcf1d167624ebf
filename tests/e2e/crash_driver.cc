// crash_driver: the client side of the durable store's crash tests (crash_e2e.sh,
// restart_e2e.sh). One command per run; crash_e2e.sh kills heraldd between `publish` and
// `verify`.
//
//   crash_driver create  --grpc=127.0.0.1:P --topic=T
//   crash_driver publish --grpc=... --topic=T --prefix=r1 --acks=ACKS --sent=SENT
//   crash_driver verify  --grpc=... --http_port=H --topic=T --prefix=r1 --acks=ACKS --sent=SENT
//   crash_driver dump    --grpc=... --topic=T     # every stored payload, one a line
//
// ACKS holds one line per acknowledged event, "OFFSET EPOCH ID PAYLOAD", appended as each ack
// arrives, so that what heraldd promised before it died is on disk whatever happens to it.
// SENT holds "PREFIX COUNT" per publish run: payloads PREFIX-0 .. PREFIX-(COUNT-1) were sent,
// acknowledged or not. `verify` prints one PASS or FAIL line per check and exits 1 on a FAIL.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "api/herald/v1/subscribe.grpc.pb.h"
#include "api/herald/v1/topic.grpc.pb.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "broker/core/cursor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/testing/sse_client.h"
#include "tests/testing/ws_client.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "heraldd's control plane, host:port");
ABSL_FLAG(int, http_port, 8080, "heraldd's browser edge port (verify: SSE and WebSocket)");
ABSL_FLAG(std::string, topic, "crash", "the topic under test");
ABSL_FLAG(std::string, prefix, "r1", "this round's payload prefix: payloads are PREFIX-SEQ");
ABSL_FLAG(std::string, acks, "acks", "file of acknowledged events (appended to)");
ABSL_FLAG(std::string, sent, "sent", "file of 'PREFIX COUNT' lines (appended to)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(30),
          "publish: stop after this long; longer than any kill moment");
ABSL_FLAG(int, window, 64, "publish: most events sent and not yet acknowledged");
ABSL_FLAG(uint64_t, max_events, 10'000'000, "create: the topic's retention, in events");
ABSL_FLAG(uint32_t, seed, 1, "verify: picks the resume cursor (print it to reproduce)");

namespace herald::e2e {
namespace {

namespace v1 = ::herald::v1;

// Every call is bounded, so a wedged heraldd fails the test instead of hanging it.
constexpr absl::Duration kCallTimeout = absl::Seconds(20);
constexpr absl::Duration kEventTimeout = absl::Seconds(10);
// Payloads of the unary publishes `verify` makes after each restart: "probe.PREFIX.N".
constexpr char kProbePrefix[] = "probe.";

struct Ack {
  uint64_t offset = 0;
  uint32_t epoch = 0;
  std::string id;
  std::string payload;
};

// One event of the topic as the gRPC subscriber saw it.
struct StoredEvent {
  uint64_t offset = 0;
  uint32_t epoch = 0;
  std::string event;
  std::string data;
};

std::shared_ptr<grpc::Channel> Connect() {
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials());
  channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return channel;
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
}

grpc::Status GetTopic(const std::shared_ptr<grpc::Channel>& channel, const std::string& topic,
                      v1::Topic& info) {
  auto topics = v1::TopicService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetTopicRequest get;
  get.set_name(topic);
  return topics->GetTopic(&context, get, &info);
}

std::vector<Ack> ReadAcks(const std::string& path) {
  std::vector<Ack> acks;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    Ack ack;
    if (fields.size() != 4 || !absl::SimpleAtoi(fields[0], &ack.offset) ||
        !absl::SimpleAtoi(fields[1], &ack.epoch)) {
      std::cerr << "crash_driver: ignoring malformed ack line '" << line << "'\n";
      continue;
    }
    ack.id = fields[2];
    ack.payload = fields[3];
    acks.push_back(std::move(ack));
  }
  return acks;
}

void AppendAck(std::FILE* file, const Ack& ack) {
  absl::FPrintF(file, "%d %d %s %s\n", ack.offset, ack.epoch, ack.id, ack.payload);
  // Flushed per ack: the file must hold every ack received when the publisher exits.
  std::fflush(file);
}

// Prefix -> how many payloads the publisher of that prefix sent.
std::map<std::string, uint64_t> ReadSent(const std::string& path) {
  std::map<std::string, uint64_t> sent;
  std::ifstream in(path);
  std::string prefix;
  uint64_t count = 0;
  while (in >> prefix >> count) sent[prefix] = count;
  return sent;
}

// Splits "PREFIX-SEQ"; false for any other payload.
bool ParsePayload(const std::string& payload, std::string& prefix, uint64_t& seq) {
  const size_t dash = payload.rfind('-');
  if (dash == std::string::npos) return false;
  prefix = payload.substr(0, dash);
  return absl::SimpleAtoi(payload.substr(dash + 1), &seq);
}

// Reads one topic over gRPC Subscribe. A stream the server ends because the reader fell
// behind (RESOURCE_EXHAUSTED) is resumed from the last id, as the contract tells clients to.
class GrpcReader {
 public:
  GrpcReader(std::shared_ptr<grpc::Channel> channel, std::string topic, std::string from)
      : stub_(v1::SubscribeService::NewStub(channel)),
        topic_(std::move(topic)),
        from_(std::move(from)) {
    Open();
  }
  ~GrpcReader() { Close(); }

  // The next event, or nullopt when the stream ended (`error()` says why).
  std::optional<v1::Event> Next() {
    v1::Event event;
    while (!reader_->Read(&event)) {
      grpc::Status status = reader_->Finish();
      reader_.reset();
      if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED || resumes_++ > 100) {
        error_ = absl::StrFormat("subscribe stream ended: %d %s", status.error_code(),
                                 status.error_message());
        return std::nullopt;
      }
      Open();
    }
    from_ = event.id();
    return event;
  }
  const std::string& error() const { return error_; }

 private:
  void Open() {
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    v1::SubscribeRequest request;
    request.add_topics(topic_);
    request.set_from(from_);
    reader_ = stub_->Subscribe(context_.get(), request);
  }
  void Close() {
    if (reader_ == nullptr) return;
    context_->TryCancel();
    reader_->Finish();
  }

  std::unique_ptr<v1::SubscribeService::Stub> stub_;
  std::string topic_;
  std::string from_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
  std::string error_;
  int resumes_ = 0;
};

// Prints PASS/FAIL lines and remembers whether any failed.
class Report {
 public:
  explicit Report(std::string label) : label_(std::move(label)) {}
  bool Check(bool ok, const std::string& name, const std::string& detail = "") {
    std::cout << (ok ? "PASS " : "FAIL ") << label_ << ": " << name
              << (detail.empty() ? "" : " (" + detail + ")") << "\n"
              << std::flush;
    failed_ = failed_ || !ok;
    return ok;
  }
  bool failed() const { return failed_; }

 private:
  std::string label_;
  bool failed_ = false;
};

// "" when `got` equals `want`, else where they first differ.
std::string Compare(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size() || i >= want.size() || got[i] != want[i]) {
      return absl::StrFormat("got %d events, want %d; first difference at #%d: got '%s', want '%s'",
                             got.size(), want.size(), i + 1, i < got.size() ? got[i] : "<none>",
                             i < want.size() ? want[i] : "<none>");
    }
  }
  return "";
}

int Create() {
  auto stub = v1::TopicService::NewStub(Connect());
  v1::CreateTopicRequest request;
  request.mutable_topic()->set_name(absl::GetFlag(FLAGS_topic));
  request.mutable_topic()->mutable_retention()->set_max_events(absl::GetFlag(FLAGS_max_events));
  grpc::ClientContext context;
  SetDeadline(context);
  v1::Topic topic;
  grpc::Status status = stub->CreateTopic(&context, request, &topic);
  if (!status.ok()) {
    std::cerr << "crash_driver: create: " << status.error_message() << "\n";
    return 1;
  }
  return 0;
}

// Streams PREFIX-0, PREFIX-1, ... with at most --window unacknowledged, until the stream
// breaks (crash_e2e.sh kills heraldd under it). Exits 0 once anything was acknowledged.
int Publish() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const std::string prefix = absl::GetFlag(FLAGS_prefix);
  const size_t window = static_cast<size_t>(absl::GetFlag(FLAGS_window));
  std::FILE* acks = std::fopen(absl::GetFlag(FLAGS_acks).c_str(), "a");
  if (acks == nullptr) {
    std::cerr << "crash_driver: cannot open " << absl::GetFlag(FLAGS_acks) << "\n";
    return 1;
  }
  auto stub = v1::PublishService::NewStub(Connect());
  grpc::ClientContext context;
  // A heraldd that is never killed ends the run here (DEADLINE_EXCEEDED).
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_duration)));
  auto stream = stub->PublishStream(&context);

  uint64_t sent = 0;
  uint64_t acked = 0;
  std::deque<std::string> unacked;
  bool writable = true;
  while (true) {
    while (writable && unacked.size() < window) {
      v1::PublishRequest request;
      request.set_topic(topic);
      request.set_data(absl::StrCat(prefix, "-", sent));
      // Counted before the write: a failed write may still have reached heraldd.
      ++sent;
      if (!stream->Write(request)) {
        writable = false;
        break;
      }
      unacked.push_back(request.data());
    }
    // After a failed write, acks heraldd sent before it died may still be in transit.
    v1::PublishResponse response;
    if (unacked.empty() || !stream->Read(&response)) break;
    // Acks come in request order, so the oldest unacknowledged payload is the ack's.
    AppendAck(acks, {response.offset(), response.epoch(), response.id(), unacked.front()});
    unacked.pop_front();
    ++acked;
  }
  grpc::Status status = stream->Finish();
  std::fclose(acks);
  std::ofstream(absl::GetFlag(FLAGS_sent), std::ios::app) << prefix << " " << sent << "\n";
  std::cerr << absl::StrFormat("crash_driver: %s: sent %d, acknowledged %d; stream ended: %s\n",
                               prefix, sent, acked, status.error_message());
  return acked > 0 ? 0 : 1;
}

// The whole history over gRPC, from offset 1 to `last_offset`; nullopt (and a FAIL) when the
// stream ends first. Leaves `reader` positioned after `last_offset`.
std::optional<std::vector<StoredEvent>> ReadHistory(GrpcReader& reader, uint64_t last_offset,
                                                    Report& report) {
  std::vector<StoredEvent> history;
  while (history.size() < last_offset) {
    std::optional<v1::Event> event = reader.Next();
    if (!event) {
      report.Check(false, "the whole history reads back over gRPC",
                   absl::StrFormat("after %d of %d events: %s", history.size(), last_offset,
                                   reader.error()));
      return std::nullopt;
    }
    history.push_back({event->offset(), event->epoch(), event->event(), event->data()});
  }
  return history;
}

// Every offset 1..N once, in order, in one epoch, with no notice in between.
void CheckContiguous(const std::vector<StoredEvent>& history, uint32_t epoch, Report& report) {
  for (size_t i = 0; i < history.size(); ++i) {
    const StoredEvent& e = history[i];
    if (e.offset != i + 1 || e.epoch != epoch || !e.event.empty()) {
      report.Check(false, "stored offsets are 1..N without gap or duplicate, in one epoch",
                   absl::StrFormat("event #%d has offset %d, epoch %d (want %d), type '%s'", i + 1,
                                   e.offset, e.epoch, epoch, e.event));
      return;
    }
  }
  report.Check(true, "stored offsets are 1..N without gap or duplicate, in one epoch",
               absl::StrCat("N=", history.size()));
}

void CheckAcksStored(const std::vector<StoredEvent>& history, const std::vector<Ack>& acks,
                     Report& report) {
  for (const Ack& ack : acks) {
    if (ack.offset == 0 || ack.offset > history.size() ||
        history[ack.offset - 1].data != ack.payload) {
      report.Check(
          false, "every acknowledged event is stored at its acknowledged offset",
          absl::StrFormat("ack of '%s' at offset %d: stored there is '%s'", ack.payload, ack.offset,
                          ack.offset == 0 || ack.offset > history.size()
                              ? "<nothing>"
                              : history[ack.offset - 1].data));
      return;
    }
  }
  report.Check(true, "every acknowledged event is stored at its acknowledged offset",
               absl::StrCat(acks.size(), " acks"));
}

// Each publisher's events are stored in the order sent and none is stored twice, so what a
// publisher got stored is PREFIX-0 .. PREFIX-(k-1): its acks plus maybe a few whose ack the
// crash swallowed. Probes (acknowledged unary publishes) are in `acks` by name.
void CheckStoredAreSentPrefixes(const std::vector<StoredEvent>& history,
                                const std::map<std::string, uint64_t>& sent,
                                const std::vector<Ack>& acks, Report& report) {
  std::map<std::string, uint64_t> next_seq;
  std::set<std::string> probes;
  for (const Ack& ack : acks) {
    if (ack.payload.starts_with(kProbePrefix)) probes.insert(ack.payload);
  }
  for (const StoredEvent& e : history) {
    std::string prefix;
    uint64_t seq = 0;
    if (!ParsePayload(e.data, prefix, seq) || !sent.contains(prefix)) {
      // A probe is acknowledged (so in `acks`) and stored once.
      if (probes.erase(e.data) == 1) continue;
      report.Check(
          false, "stored events are exactly what was sent, each once, in order",
          absl::StrFormat("offset %d holds '%s', never sent (or twice)", e.offset, e.data));
      return;
    }
    uint64_t& want = next_seq[prefix];
    if (seq != want || seq >= sent.at(prefix)) {
      report.Check(false, "stored events are exactly what was sent, each once, in order",
                   absl::StrFormat("offset %d holds '%s', want '%s-%d' of %d sent", e.offset,
                                   e.data, prefix, want, sent.at(prefix)));
      return;
    }
    ++want;
  }
  report.Check(true, "stored events are exactly what was sent, each once, in order");
}

// What a subscriber resuming after `offset` must get: the history after it, then the probe.
std::vector<std::string> PayloadsAfter(const std::vector<StoredEvent>& history, uint64_t offset,
                                       const std::string& probe) {
  std::vector<std::string> want;
  for (uint64_t i = offset; i < history.size(); ++i) want.push_back(history[i].data);
  want.push_back(probe);
  return want;
}

// Payloads a resumed subscriber got, up to and including `probe` (which ends every resume).
// `next` returns nullopt when the stream ends or stalls, with `error` set.
using NextPayload = std::function<std::optional<std::string>(std::string& error)>;
std::vector<std::string> ReadUntil(const std::string& probe, size_t most, const NextPayload& next,
                                   std::string& error) {
  std::vector<std::string> got;
  // `most` stops a stream that repeats itself forever; the comparison then reports it.
  while (got.size() < most && (got.empty() || got.back() != probe)) {
    std::optional<std::string> payload = next(error);
    if (!payload) break;
    got.push_back(*std::move(payload));
  }
  return got;
}

void CheckResume(const std::string& transport, const Ack& cursor,
                 const std::vector<std::string>& want, const std::string& probe,
                 const NextPayload& next, Report& report) {
  std::string error;
  std::vector<std::string> got = ReadUntil(probe, want.size() + 1, next, error);
  std::string diff = Compare(got, want);
  if (!error.empty()) absl::StrAppend(&diff, "; ", error);
  report.Check(diff.empty(),
               absl::StrFormat("%s resumed from the pre-crash cursor of offset %d gets the %d "
                               "events after it, no gap, no duplicate",
                               transport, cursor.offset, want.size()),
               diff);
}

void CheckGrpcResume(std::shared_ptr<grpc::Channel> channel, const std::string& topic,
                     const Ack& cursor, const std::vector<std::string>& want,
                     const std::string& probe, Report& report) {
  GrpcReader reader(channel, topic, cursor.id);
  CheckResume(
      "gRPC Subscribe", cursor, want, probe,
      [&](std::string& error) -> std::optional<std::string> {
        std::optional<v1::Event> event = reader.Next();
        if (!event) error = reader.error();
        if (event && !event->event().empty()) return absl::StrCat("<", event->event(), ">");
        return event ? std::optional<std::string>(event->data()) : std::nullopt;
      },
      report);
}

void CheckSseResume(uint16_t port, const std::string& topic, const Ack& cursor,
                    const std::vector<std::string>& want, const std::string& probe,
                    Report& report) {
  auto client = testing::SseClient::Connect(port, absl::StrCat("/v1/sse?topic=", topic),
                                            {{"Last-Event-ID", cursor.id}});
  if (!client.ok() || (*client)->status() != 200) {
    report.Check(false, "SSE resume connects",
                 client.ok() ? absl::StrCat("status ", (*client)->status())
                             : std::string(client.status().message()));
    return;
  }
  CheckResume(
      "SSE (Last-Event-ID)", cursor, want, probe,
      [&](std::string& error) -> std::optional<std::string> {
        std::optional<testing::SseEvent> event = (*client)->Next(kEventTimeout);
        if (!event) {
          error = (*client)->closed() ? "server closed the stream" : "no event for 10 s";
          return std::nullopt;
        }
        // A notice in place of an event is a failure; keep its name in the sequence.
        if (event->type != "message") return absl::StrCat("<", event->type, ">");
        return event->data;
      },
      report);
}

void CheckWsResume(uint16_t port, const std::string& topic, const Ack& cursor,
                   const std::vector<std::string>& want, const std::string& probe, Report& report) {
  auto ws = testing::WsClient::Connect(port);
  absl::Status sent = ws.ok()
                          ? (*ws)->Send(absl::StrFormat(
                                R"({"op":"subscribe","topic":"%s","from":"%s"})", topic, cursor.id))
                          : ws.status();
  if (!sent.ok()) {
    report.Check(false, "WebSocket resume connects", std::string(sent.message()));
    return;
  }
  CheckResume(
      "WebSocket (from)", cursor, want, probe,
      [&](std::string& error) -> std::optional<std::string> {
        while (true) {
          testing::WsMessage message = (*ws)->Read(kEventTimeout);
          if (message.kind != testing::WsMessage::Kind::kText) {
            error = absl::StrCat("no event for 10 s or closed (code ", message.close_code, ")");
            return std::nullopt;
          }
          boost::system::error_code ec;
          boost::json::value value = boost::json::parse(message.text, ec);
          const boost::json::object* object = ec ? nullptr : value.if_object();
          const boost::json::value* op = object ? object->if_contains("op") : nullptr;
          if (op == nullptr || !op->is_string())
            return absl::StrCat("<bad frame ", message.text, ">");
          if (op->as_string() == "subscribed") continue;
          const boost::json::value* type = object->if_contains("event");
          const boost::json::value* data = object->if_contains("data");
          // Only plain events count; a notice (an error frame) or anything else is kept
          // whole in the sequence, so the comparison shows it.
          if (op->as_string() != "event" || data == nullptr || !data->is_string() ||
              (type != nullptr && !(type->is_string() && type->as_string().empty()))) {
            return absl::StrCat("<", message.text, ">");
          }
          return std::string(data->as_string());
        }
      },
      report);
}

// The checks after a crash and restart; see crash_e2e.sh.
int Verify() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const std::string prefix = absl::GetFlag(FLAGS_prefix);
  Report report(prefix);
  std::vector<Ack> acks = ReadAcks(absl::GetFlag(FLAGS_acks));
  const std::map<std::string, uint64_t> sent = ReadSent(absl::GetFlag(FLAGS_sent));
  std::vector<Ack> round_acks;
  for (const Ack& ack : acks) {
    if (ack.payload.starts_with(prefix + "-")) round_acks.push_back(ack);
  }
  if (!report.Check(!round_acks.empty(), "the publisher got acks before the crash")) return 1;
  const uint32_t epoch = acks.front().epoch;

  std::shared_ptr<grpc::Channel> channel = Connect();
  v1::Topic info;
  grpc::Status status = GetTopic(channel, topic, info);
  if (!report.Check(status.ok(), "the topic survives the crash", status.error_message())) return 1;
  bool same_epoch = info.epoch() == epoch;
  for (const Ack& ack : acks) same_epoch = same_epoch && ack.epoch == epoch;
  report.Check(same_epoch, "the epoch is unchanged",
               absl::StrFormat("acks' %d, topic's now %d", epoch, info.epoch()));
  report.Check(info.first_offset() == 1, "retention still holds offset 1",
               absl::StrCat("first_offset ", info.first_offset()));

  // Offset 0 of this epoch: "nothing delivered yet", so the stream starts at offset 1.
  GrpcReader history_reader(channel, topic, EncodeTopicCursor(topic, epoch, 0));
  std::optional<std::vector<StoredEvent>> history =
      ReadHistory(history_reader, info.last_offset(), report);
  if (!history) return 1;
  CheckContiguous(*history, epoch, report);
  CheckAcksStored(*history, acks, report);
  CheckStoredAreSentPrefixes(*history, sent, acks, report);

  // The probe: the first publish after the restart takes the next offset, in the same epoch,
  // and reaches a live subscriber (the history reader) right after the restored history.
  // Unique even when verify runs twice on one round: a resume reads up to the probe.
  const std::string probe = absl::StrCat(
      kProbePrefix, prefix, ".", std::count_if(acks.begin(), acks.end(), [](const Ack& ack) {
        return ack.payload.starts_with(kProbePrefix);
      }));
  auto publish = v1::PublishService::NewStub(channel);
  grpc::ClientContext publish_context;
  SetDeadline(publish_context);
  v1::PublishRequest request;
  request.set_topic(topic);
  request.set_data(probe);
  v1::PublishResponse response;
  status = publish->Publish(&publish_context, request, &response);
  if (!report.Check(status.ok(), "a publish after the restart is acknowledged",
                    status.error_message())) {
    return 1;
  }
  if (std::FILE* file = std::fopen(absl::GetFlag(FLAGS_acks).c_str(), "a")) {
    // Acknowledged, so later rounds must find it too.
    AppendAck(file, {response.offset(), response.epoch(), response.id(), probe});
    std::fclose(file);
  }
  report.Check(response.offset() == history->size() + 1 && response.epoch() == epoch,
               "offsets continue after the restart: the next publish gets last stored + 1",
               absl::StrFormat("got offset %d epoch %d, want %d epoch %d", response.offset(),
                               response.epoch(), history->size() + 1, epoch));
  std::optional<v1::Event> live = history_reader.Next();
  report.Check(live && live->offset() == response.offset() && live->data() == probe,
               "a subscriber that read the history gets the new event live, next",
               live ? absl::StrFormat("got offset %d '%s'", live->offset(), live->data())
                    : history_reader.error());

  // Resume from cursors taken before the crash: a random ack of this round (the same on
  // every transport) and, over gRPC, the last ack heraldd sent before it died.
  std::mt19937 random(absl::GetFlag(FLAGS_seed));
  const Ack& picked = round_acks[random() % round_acks.size()];
  const std::vector<std::string> want = PayloadsAfter(*history, picked.offset, probe);
  const uint16_t port = static_cast<uint16_t>(absl::GetFlag(FLAGS_http_port));
  CheckGrpcResume(channel, topic, picked, want, probe, report);
  CheckSseResume(port, topic, picked, want, probe, report);
  CheckWsResume(port, topic, picked, want, probe, report);
  const Ack& last = round_acks.back();
  CheckGrpcResume(channel, topic, last, PayloadsAfter(*history, last.offset, probe), probe, report);
  return report.failed() ? 1 : 0;
}

// Every stored payload in offset order, one a line (restart_e2e.sh compares the page to it).
int Dump() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  std::shared_ptr<grpc::Channel> channel = Connect();
  v1::Topic info;
  grpc::Status status = GetTopic(channel, topic, info);
  if (!status.ok()) {
    std::cerr << "crash_driver: dump: " << status.error_message() << "\n";
    return 1;
  }
  GrpcReader reader(channel, topic, EncodeTopicCursor(topic, info.epoch(), 0));
  Report report("dump");
  std::optional<std::vector<StoredEvent>> history = ReadHistory(reader, info.last_offset(), report);
  if (!history) return 1;
  for (const StoredEvent& e : *history) std::cout << e.data << "\n";
  return 0;
}

}  // namespace
}  // namespace herald::e2e

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("crash_driver create|publish|verify|dump [flags]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() == 2 ? args[1] : "";
  if (command == "create") return herald::e2e::Create();
  if (command == "publish") return herald::e2e::Publish();
  if (command == "verify") return herald::e2e::Verify();
  if (command == "dump") return herald::e2e::Dump();
  std::cerr << "usage: crash_driver create|publish|verify|dump [flags]; see --help\n";
  return 2;
}
