#include "admin/stream_commands.h"

#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "admin/invocation.h"
#include "admin/output.h"
#include "admin/table.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "api/herald/v1/subscribe.grpc.pb.h"

namespace herald::admin {
namespace {

struct PublishFlags {
  std::string topic;
  std::optional<std::string> data;
  std::optional<std::string> file;
  std::string event;
  std::string dedup_key;
  bool stream = false;
};

struct TailFlags {
  std::vector<std::string> topics;
  std::string from;
  uint64_t count = 0;
};

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::optional<Failure> ReadData(const PublishFlags& flags, std::string& out) {
  if (flags.file) {
    std::ifstream file(*flags.file, std::ios::binary);
    if (!file) return Usage("cannot read file '" + *flags.file + "' (--file)");
    out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } else if (flags.data && *flags.data != "-") {
    out = *flags.data;
  } else {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return std::nullopt;
}

// One ack per line of stdin, printed as it comes back: the server's window never waits on
// stdin, and acks come in request order.
std::optional<Failure> PublishLines(const ControlPlane& plane, Printer& out,
                                    v1::PublishRequest prototype) {
  if (auto failure = plane.WaitConnected()) return failure;
  auto stub = v1::PublishService::NewStub(plane.channel());
  std::unique_ptr<grpc::ClientContext> context = plane.NewStreamCall();
  auto stream = stub->PublishStream(context.get());
  std::thread reader([&] {
    v1::PublishResponse ack;
    while (stream->Read(&ack)) {
      if (out.structured()) {
        out.Print(ack);
      } else {
        out.PrintLine(absl::StrCat(prototype.topic(), "\t", ack.offset(), "\t", ack.id()));
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
  if (!status.ok()) return plane.FromStatus(status);
  return std::nullopt;
}

std::optional<Failure> Publish(const PublishFlags& flags, const ControlPlane& plane, Printer& out) {
  v1::PublishRequest request;
  request.set_topic(flags.topic);
  request.set_event(flags.event);
  request.set_dedup_key(flags.dedup_key);
  if (flags.stream) {
    if (flags.data || flags.file) {
      return Usage("--stream reads events from stdin, one per line; drop DATA and --file");
    }
    if (!flags.dedup_key.empty()) {
      return Usage("--dedup-key would make every streamed line the same event; drop it");
    }
    return PublishLines(plane, out, std::move(request));
  }
  if (flags.data && flags.file) return Usage("give DATA or --file, not both");
  if (auto failure = ReadData(flags, *request.mutable_data())) return failure;
  v1::PublishResponse ack;
  grpc::Status status =
      v1::PublishService::NewStub(plane.channel())->Publish(plane.NewCall().get(), request, &ack);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(ack);
    return std::nullopt;
  }
  Table table({"TOPIC", "OFFSET", "EPOCH", "ID"});
  table.AddRow({flags.topic, absl::StrCat(ack.offset()), absl::StrCat(ack.epoch()), ack.id()});
  out.Print(table);
  return std::nullopt;
}

std::string EventLine(const v1::Event& event, bool wide) {
  std::vector<std::string> fields = {event.topic(), absl::StrCat(event.offset()),
                                     event.event().empty() ? "message" : event.event(), event.id()};
  if (wide) {
    fields.push_back(absl::StrCat(event.epoch()));
    fields.push_back(FormatTime(event.publish_time()));
  }
  fields.push_back(Printable(event.data()));
  return absl::StrJoin(fields, "\t");
}

// Where the stream starts, on stderr where it does not mix with the events: once the initial
// metadata is in, the server has subscribed and nothing published from here on is missed, and
// a tail that ends before its first event resumes from this cursor with --from.
void ReportStart(grpc::ClientContext& context, const v1::SubscribeRequest& request) {
  const auto& metadata = context.GetServerInitialMetadata();
  const auto start = metadata.find("herald-cursor");
  std::cerr << "tailing " << absl::StrJoin(request.topics(), ", ");
  if (start != metadata.end()) {
    std::cerr << " from " << std::string_view(start->second.data(), start->second.size());
  }
  std::cerr << std::endl;
}

std::optional<Failure> Tail(const TailFlags& flags, const ControlPlane& plane, Printer& out) {
  v1::SubscribeRequest request;
  for (const std::string& topic : flags.topics) request.add_topics(topic);
  request.set_from(flags.from);
  if (auto failure = plane.WaitConnected()) return failure;
  auto stub = v1::SubscribeService::NewStub(plane.channel());
  std::unique_ptr<grpc::ClientContext> context = plane.NewStreamCall();
  auto reader = stub->Subscribe(context.get(), request);
  reader->WaitForInitialMetadata();
  ReportStart(*context, request);
  v1::Event event;
  uint64_t seen = 0;
  while ((flags.count == 0 || seen < flags.count) && reader->Read(&event)) {
    ++seen;
    if (out.structured()) {
      out.Print(event);
    } else {
      out.PrintLine(EventLine(event, out.wide()));
    }
  }
  if (flags.count != 0 && seen == flags.count) {
    context->TryCancel();
    reader->Finish();
    return std::nullopt;
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return plane.FromStatus(status);
  return std::nullopt;
}

void AddPublish(CLI::App& root, CommandSet& commands) {
  auto flags = std::make_shared<PublishFlags>();
  CLI::App& publish = commands.Add(root, "publish",
                                   "publish an event: DATA, --file, or stdin (DATA '-' or neither)",
                                   Remote([flags](const ControlPlane& plane, Printer& out) {
                                     return Publish(*flags, plane, out);
                                   }));
  publish.add_option("TOPIC", flags->topic, "the topic to publish to")->required();
  publish.add_option("DATA", flags->data, "the event's data; '-' reads stdin");
  publish.add_option("--file", flags->file, "publish this file's contents")->type_name("FILE");
  publish.add_option("--event", flags->event, "the event type (SSE 'event:'); default message")
      ->type_name("TYPE");
  publish
      .add_option("--dedup-key", flags->dedup_key,
                  "a retried publish with the same key is stored once")
      ->type_name("KEY");
  publish.add_flag("--stream", flags->stream,
                   "publish each line of stdin as an event; one ack per line, in order");
  publish.footer(
      "Prints TOPIC OFFSET EPOCH ID; the ID is a cursor to tail from (heraldctl tail --from).");
}

void AddTail(CLI::App& root, CommandSet& commands) {
  auto flags = std::make_shared<TailFlags>();
  CLI::App& tail = commands.Add(root, "tail", "print events as they arrive, until interrupted",
                                Remote([flags](const ControlPlane& plane, Printer& out) {
                                  return Tail(*flags, plane, out);
                                }));
  tail.add_option("TOPIC", flags->topics, "the topics to follow")->required();
  tail.add_option("--from", flags->from,
                  "resume after this event id (from an earlier tail or publish)")
      ->type_name("CURSOR");
  tail.add_option("--count", flags->count, "exit after N events")->type_name("N");
  tail.footer(
      "Prints TOPIC OFFSET EVENT ID DATA, tab-separated (-o wide adds EPOCH and PUBLISHED "
      "before DATA); data that is not printable UTF-8 is shown as base64:<...>. -o json prints "
      "one JSON object per event and line.");
}

}  // namespace

std::string Printable(const std::string& data) {
  size_t i = 0;
  while (i < data.size()) {
    const unsigned char c = static_cast<unsigned char>(data[i]);
    const size_t length = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    if (length == 0 || i + length > data.size()) break;
    if (length == 1 && (c < 0x20 || c == 0x7F) && c != '\t') break;
    bool continued = true;
    for (size_t k = 1; k < length; ++k) {
      continued = continued && (static_cast<unsigned char>(data[i + k]) & 0xC0) == 0x80;
    }
    if (!continued) break;
    i += length;
  }
  if (i == data.size()) return data;
  return "base64:" + absl::Base64Escape(data);
}

void AddStreamCommands(CLI::App& root, CommandSet& commands) {
  AddPublish(root, commands);
  AddTail(root, commands);
}

}  // namespace herald::admin
