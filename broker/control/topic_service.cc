#include "broker/control/topic_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "broker/control/grpc_status.h"
#include "broker/core/status_macros.h"
#include "broker/core/string_view.h"

namespace herald::control {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

// Answers a unary call with `status` (and whatever the handler put in the response).
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::StatusOr<absl::Duration> DurationFromProto(const google::protobuf::Duration& d,
                                                 std::string_view field) {
  if (d.seconds() < 0 || d.nanos() < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s must not be negative; use 0 for no age bound", AbslView(field)));
  }
  if (d.nanos() >= 1'000'000'000) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.nanos must be below 1e9", AbslView(field)));
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Applies the update_mask paths of `update` to `config`.
absl::Status ApplyMask(const v1::UpdateTopicRequest& request, TopicConfig& config) {
  HERALD_ASSIGN_OR_RETURN(TopicConfig update, FromProto(request.topic(), "topic"));
  // An empty mask replaces every mutable field (as AIP-134 suggests); unset retention
  // fields then take their defaults.
  if (request.update_mask().paths_size() == 0) {
    update.name = config.name;
    config = std::move(update);
    return absl::OkStatus();
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "retention") {
      config.retention = update.retention;
    } else if (path == "retention.max_events") {
      config.retention.max_events = update.retention.max_events;
    } else if (path == "retention.max_bytes") {
      config.retention.max_bytes = update.retention.max_bytes;
    } else if (path == "retention.max_age") {
      config.retention.max_age = update.retention.max_age;
    } else if (path == "allow_browser_publish") {
      config.allow_browser_publish = update.allow_browser_publish;
    } else if (path == "max_subscribers") {
      config.max_subscribers = update.max_subscribers;
    } else if (path == "name") {
      return absl::InvalidArgumentError(
          "update_mask: 'name' is immutable; create a new topic instead");
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("update_mask: unknown field '%s'; use retention, retention.max_events, "
                          "retention.max_bytes, retention.max_age, allow_browser_publish or "
                          "max_subscribers",
                          path));
    }
  }
  return absl::OkStatus();
}

}  // namespace

v1::Topic ToProto(const TopicInfo& info) {
  v1::Topic topic;
  topic.set_name(info.config.name);
  v1::Retention* retention = topic.mutable_retention();
  retention->set_max_events(info.config.retention.max_events);
  retention->set_max_bytes(info.config.retention.max_bytes);
  const absl::Duration age = info.config.retention.max_age;
  const int64_t seconds = absl::ToInt64Seconds(age);
  retention->mutable_max_age()->set_seconds(seconds);
  retention->mutable_max_age()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(age - absl::Seconds(seconds))));
  topic.set_allow_browser_publish(info.config.allow_browser_publish);
  topic.set_max_subscribers(info.config.max_subscribers);
  topic.set_epoch(info.epoch);
  topic.set_first_offset(info.first_offset);
  topic.set_last_offset(info.last_offset);
  topic.set_retained_bytes(info.retained_bytes);
  return topic;
}

absl::StatusOr<TopicConfig> FromProto(const v1::Topic& topic, std::string_view field) {
  TopicConfig config;
  config.name = topic.name();
  config.allow_browser_publish = topic.allow_browser_publish();
  config.max_subscribers = topic.max_subscribers();
  // Zero is proto3's "unset": keep the default bound rather than ask for an empty topic.
  if (topic.retention().max_events() != 0) {
    config.retention.max_events = topic.retention().max_events();
  }
  config.retention.max_bytes = topic.retention().max_bytes();
  HERALD_ASSIGN_OR_RETURN(
      config.retention.max_age,
      DurationFromProto(topic.retention().max_age(),
                        absl::StrFormat("%s.retention.max_age", AbslView(field))));
  return config;
}

std::string EncodePageToken(std::string_view last_name) {
  return absl::WebSafeBase64Escape(AbslView(last_name));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token) {
  std::string name;
  if (!absl::WebSafeBase64Unescape(AbslView(token), &name) || name.empty() ||
      !ValidateTopicName(name).ok()) {
    return absl::InvalidArgumentError(
        "page_token is not one this server returned; pass next_page_token unchanged, or "
        "leave it empty for the first page");
  }
  return name;
}

grpc::ServerUnaryReactor* TopicService::CreateTopic(grpc::CallbackServerContext* context,
                                                    const v1::CreateTopicRequest* request,
                                                    v1::Topic* response) {
  auto run = [&]() -> absl::Status {
    if (!request->has_topic()) {
      return absl::InvalidArgumentError("topic is required; set topic.name at least");
    }
    HERALD_RETURN_IF_ERROR(
        env_.Authorize(*context, auth::Action::kManageTopics, request->topic().name()));
    HERALD_ASSIGN_OR_RETURN(TopicConfig config, FromProto(request->topic(), "topic"));
    HERALD_ASSIGN_OR_RETURN(TopicInfo info, env_.engine.CreateTopic(config));
    *response = ToProto(info);
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* TopicService::GetTopic(grpc::CallbackServerContext* context,
                                                 const v1::GetTopicRequest* request,
                                                 v1::Topic* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kReadTopics));
    if (request->name().empty()) return absl::InvalidArgumentError("name is required");
    HERALD_ASSIGN_OR_RETURN(TopicInfo info, env_.engine.GetTopic(request->name()));
    *response = ToProto(info);
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* TopicService::ListTopics(grpc::CallbackServerContext* context,
                                                   const v1::ListTopicsRequest* request,
                                                   v1::ListTopicsResponse* response) {
  auto run = [&]() -> absl::Status {
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kReadTopics));
    if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
      return absl::InvalidArgumentError(absl::StrFormat("page_size is %d; use 1 to %d, or 0 for %d",
                                                        request->page_size(), kMaxPageSize,
                                                        kDefaultPageSize));
    }
    const size_t page_size =
        static_cast<size_t>(request->page_size() == 0 ? kDefaultPageSize : request->page_size());
    std::string after;
    if (!request->page_token().empty()) {
      HERALD_ASSIGN_OR_RETURN(after, DecodePageToken(request->page_token()));
    }
    // One more than the page tells whether another page follows.
    std::vector<TopicInfo> topics = env_.engine.ListTopics(after, page_size + 1);
    const bool more = topics.size() > page_size;
    if (more) topics.resize(page_size);
    for (const TopicInfo& info : topics) *response->add_topics() = ToProto(info);
    if (more) response->set_next_page_token(EncodePageToken(topics.back().config.name));
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* TopicService::UpdateTopic(grpc::CallbackServerContext* context,
                                                    const v1::UpdateTopicRequest* request,
                                                    v1::Topic* response) {
  auto run = [&]() -> absl::Status {
    if (request->topic().name().empty()) {
      return absl::InvalidArgumentError("topic.name is required: the topic to update");
    }
    HERALD_RETURN_IF_ERROR(
        env_.Authorize(*context, auth::Action::kManageTopics, request->topic().name()));
    HERALD_ASSIGN_OR_RETURN(TopicInfo current, env_.engine.GetTopic(request->topic().name()));
    TopicConfig config = current.config;
    HERALD_RETURN_IF_ERROR(ApplyMask(*request, config));
    HERALD_ASSIGN_OR_RETURN(TopicInfo info, env_.engine.UpdateTopic(config));
    *response = ToProto(info);
    return absl::OkStatus();
  };
  return Answer(context, run());
}

grpc::ServerUnaryReactor* TopicService::DeleteTopic(grpc::CallbackServerContext* context,
                                                    const v1::DeleteTopicRequest* request,
                                                    v1::DeleteTopicResponse* /*response*/) {
  auto run = [&]() -> absl::Status {
    if (request->name().empty()) return absl::InvalidArgumentError("name is required");
    HERALD_RETURN_IF_ERROR(env_.Authorize(*context, auth::Action::kManageTopics, request->name()));
    return env_.engine.DeleteTopic(request->name());
  };
  return Answer(context, run());
}

}  // namespace herald::control
