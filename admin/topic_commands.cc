#include "admin/topic_commands.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "admin/invocation.h"
#include "admin/output.h"
#include "admin/table.h"
#include "api/herald/v1/topic.grpc.pb.h"

namespace herald::admin {
namespace {

// The flags of topics create and update; those not given leave their field alone.
struct RetentionFlags {
  std::optional<uint64_t> max_events;
  std::optional<uint64_t> max_bytes;
  std::optional<std::string> max_age;
  std::optional<bool> allow_browser_publish;
  std::optional<uint32_t> max_subscribers;
};

struct TopicFlags {
  std::string name;
  RetentionFlags retention;
  std::optional<uint64_t> page_size;
  std::string page_token;
};

void AddRetentionFlags(CLI::App& command, RetentionFlags& flags) {
  command.add_option("--max-events", flags.max_events, "keep at most N events (0: no bound)")
      ->type_name("N");
  command
      .add_option("--max-bytes", flags.max_bytes,
                  "keep at most N bytes of event types and data (0: no bound)")
      ->type_name("N");
  command.add_option("--max-age", flags.max_age, "drop events older than this (0: no bound)")
      ->type_name("DURATION");
  AddChoice(command, "--allow-browser-publish", flags.allow_browser_publish,
            std::vector<std::pair<std::string, bool>>{{"true", true}, {"false", false}},
            "whether browsers may publish to it (over WebSocket)");
  command
      .add_option("--max-subscribers", flags.max_subscribers,
                  "subscribers each node serves at once; past it 429 (0: no limit)")
      ->type_name("N");
}

std::optional<Failure> ParseMaxAge(const std::string& text, google::protobuf::Duration& out) {
  absl::Duration age;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    age = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &age)) {
    return Usage(absl::StrFormat("--max-age is '%s'; use a duration like 90s, 15m or 24h", text));
  }
  const int64_t whole = absl::ToInt64Seconds(age);
  out.set_seconds(whole);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(age - absl::Seconds(whole))));
  return std::nullopt;
}

// Sets the fields of the flags given, naming each in `mask`.
std::optional<Failure> ApplyRetentionFlags(const RetentionFlags& flags, v1::Topic& topic,
                                           std::vector<std::string>& mask) {
  if (flags.max_events) {
    topic.mutable_retention()->set_max_events(*flags.max_events);
    mask.push_back("retention.max_events");
  }
  if (flags.max_bytes) {
    topic.mutable_retention()->set_max_bytes(*flags.max_bytes);
    mask.push_back("retention.max_bytes");
  }
  if (flags.max_age) {
    if (auto failure = ParseMaxAge(*flags.max_age, *topic.mutable_retention()->mutable_max_age())) {
      return failure;
    }
    mask.push_back("retention.max_age");
  }
  if (flags.allow_browser_publish) {
    topic.set_allow_browser_publish(*flags.allow_browser_publish);
    mask.push_back("allow_browser_publish");
  }
  if (flags.max_subscribers) {
    topic.set_max_subscribers(*flags.max_subscribers);
    mask.push_back("max_subscribers");
  }
  return std::nullopt;
}

std::string FormatMaxAge(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) return "-";
  return absl::FormatDuration(absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos()));
}

// Events retained: offsets run without gaps from first to last, and first > last when none is.
uint64_t RetainedEvents(const v1::Topic& topic) {
  return topic.last_offset() >= topic.first_offset()
             ? topic.last_offset() - topic.first_offset() + 1
             : 0;
}

Table TopicTable(const std::vector<v1::Topic>& topics, bool wide) {
  std::vector<std::string> headers = {"NAME",      "EPOCH",   "FIRST",
                                      "LAST",      "BYTES",   "MAX_EVENTS",
                                      "MAX_BYTES", "MAX_AGE", "BROWSER_PUBLISH"};
  if (wide) headers.insert(headers.end(), {"EVENTS", "MAX_SUBSCRIBERS"});
  Table table(headers);
  for (const v1::Topic& topic : topics) {
    const v1::Retention& retention = topic.retention();
    std::vector<std::string> row = {
        topic.name(),
        absl::StrCat(topic.epoch()),
        absl::StrCat(topic.first_offset()),
        absl::StrCat(topic.last_offset()),
        absl::StrCat(topic.retained_bytes()),
        absl::StrCat(retention.max_events()),
        retention.max_bytes() == 0 ? "-" : absl::StrCat(retention.max_bytes()),
        FormatMaxAge(retention.max_age()),
        topic.allow_browser_publish() ? "yes" : "no"};
    if (wide) {
      row.insert(row.end(),
                 {absl::StrCat(RetainedEvents(topic)),
                  topic.max_subscribers() == 0 ? "-" : absl::StrCat(topic.max_subscribers())});
    }
    table.AddRow(std::move(row));
  }
  return table;
}

void PrintTopic(Printer& out, const v1::Topic& topic) {
  if (out.structured()) {
    out.Print(topic);
  } else {
    out.Print(TopicTable({topic}, out.wide()));
  }
}

// Every page, unless --page-size asks for one (whose successor's token goes to stderr).
std::optional<Failure> ListTopics(const TopicFlags& flags, const ControlPlane& plane,
                                  Printer& out) {
  auto stub = v1::TopicService::NewStub(plane.channel());
  v1::ListTopicsRequest request;
  request.set_page_size(
      static_cast<int32_t>(std::min<uint64_t>(flags.page_size.value_or(0), 1 << 30)));
  request.set_page_token(flags.page_token);
  v1::ListTopicsResponse all;
  v1::ListTopicsResponse page;
  do {
    page.Clear();
    grpc::Status status = stub->ListTopics(plane.NewCall().get(), request, &page);
    if (!status.ok()) return plane.FromStatus(status);
    all.mutable_topics()->MergeFrom(page.topics());
    request.set_page_token(page.next_page_token());
  } while (!flags.page_size && !page.next_page_token().empty());
  all.set_next_page_token(page.next_page_token());
  if (out.structured()) {
    out.Print(all);
  } else {
    out.Print(TopicTable({all.topics().begin(), all.topics().end()}, out.wide()));
  }
  if (!all.next_page_token().empty()) {
    std::cerr << "next page: --page-token " << all.next_page_token() << "\n";
  }
  return std::nullopt;
}

std::optional<Failure> CreateTopic(const TopicFlags& flags, const ControlPlane& plane,
                                   Printer& out) {
  v1::CreateTopicRequest request;
  std::vector<std::string> mask;
  request.mutable_topic()->set_name(flags.name);
  if (auto failure = ApplyRetentionFlags(flags.retention, *request.mutable_topic(), mask)) {
    return failure;
  }
  v1::Topic topic;
  grpc::Status status = v1::TopicService::NewStub(plane.channel())
                            ->CreateTopic(plane.NewCall().get(), request, &topic);
  if (!status.ok()) return plane.FromStatus(status);
  PrintTopic(out, topic);
  return std::nullopt;
}

std::optional<Failure> GetTopic(const TopicFlags& flags, const ControlPlane& plane, Printer& out) {
  v1::GetTopicRequest request;
  request.set_name(flags.name);
  v1::Topic topic;
  grpc::Status status =
      v1::TopicService::NewStub(plane.channel())->GetTopic(plane.NewCall().get(), request, &topic);
  if (!status.ok()) return plane.FromStatus(status);
  PrintTopic(out, topic);
  return std::nullopt;
}

std::optional<Failure> UpdateTopic(const TopicFlags& flags, const ControlPlane& plane,
                                   Printer& out) {
  v1::UpdateTopicRequest request;
  std::vector<std::string> mask;
  request.mutable_topic()->set_name(flags.name);
  if (auto failure = ApplyRetentionFlags(flags.retention, *request.mutable_topic(), mask)) {
    return failure;
  }
  if (mask.empty()) {
    return Usage(
        "nothing to update; pass --max-events, --max-bytes, --max-age or "
        "--allow-browser-publish");
  }
  for (const std::string& path : mask) request.mutable_update_mask()->add_paths(path);
  v1::Topic topic;
  grpc::Status status = v1::TopicService::NewStub(plane.channel())
                            ->UpdateTopic(plane.NewCall().get(), request, &topic);
  if (!status.ok()) return plane.FromStatus(status);
  PrintTopic(out, topic);
  return std::nullopt;
}

std::optional<Failure> DeleteTopic(const TopicFlags& flags, const ControlPlane& plane,
                                   Printer& out) {
  v1::DeleteTopicRequest request;
  request.set_name(flags.name);
  v1::DeleteTopicResponse response;
  grpc::Status status = v1::TopicService::NewStub(plane.channel())
                            ->DeleteTopic(plane.NewCall().get(), request, &response);
  if (!status.ok()) return plane.FromStatus(status);
  if (out.structured()) {
    out.Print(OneField("deleted", flags.name));
  } else {
    out.PrintLine("deleted topic " + flags.name);
  }
  return std::nullopt;
}

using TopicRun = std::optional<Failure> (*)(const TopicFlags&, const ControlPlane&, Printer&);

CLI::App& AddTopicCommand(CLI::App& topics, CommandSet& commands, const std::string& name,
                          const std::string& description, TopicRun run,
                          const std::shared_ptr<TopicFlags>& flags) {
  return commands.Add(topics, name, description,
                      Remote([run, flags](const ControlPlane& plane, Printer& out) {
                        return run(*flags, plane, out);
                      }));
}

}  // namespace

void AddTopicCommands(CLI::App& root, CommandSet& commands) {
  CLI::App& topics = commands.AddGroup(root, "topics", "create, show, change and delete topics");
  topics.footer(
      "DURATION is like 90s, 15m, 24h or 1h30m (or whole seconds); --max-age 0 means no age "
      "bound. Changing topics needs an admin key; reading them, any key.");
  // One command runs per invocation, so the commands share one set of flag variables.
  auto flags = std::make_shared<TopicFlags>();

  CLI::App& create =
      AddTopicCommand(topics, commands, "create", "create a topic", CreateTopic, flags);
  create.add_option("NAME", flags->name, "the new topic's name")->required();
  AddRetentionFlags(create, flags->retention);

  CLI::App& get = AddTopicCommand(topics, commands, "get", "show a topic", GetTopic, flags);
  get.add_option("TOPIC", flags->name, "the topic")->required();

  CLI::App& list = AddTopicCommand(
      topics, commands, "list", "list topics (every page unless --page-size)", ListTopics, flags);
  list.add_option("--page-size", flags->page_size, "list one page of at most N topics")
      ->type_name("N");
  list.add_option("--page-token", flags->page_token, "the page to list, from an earlier one")
      ->type_name("TOKEN");

  CLI::App& update = AddTopicCommand(topics, commands, "update",
                                     "change a topic's settings (only the flags given change)",
                                     UpdateTopic, flags);
  update.add_option("TOPIC", flags->name, "the topic")->required();
  AddRetentionFlags(update, flags->retention);

  CLI::App& remove = AddTopicCommand(topics, commands, "delete", "delete a topic and its events",
                                     DeleteTopic, flags);
  remove.add_option("TOPIC", flags->name, "the topic")->required();
}

}  // namespace herald::admin
