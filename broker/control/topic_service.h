// herald.v1.TopicService on the gRPC callback API: topic CRUD over the engine.
//
//   TopicService topics(env);
//   builder.RegisterService(&topics);
#ifndef HERALD_BROKER_CONTROL_TOPIC_SERVICE_H_
#define HERALD_BROKER_CONTROL_TOPIC_SERVICE_H_

#include "absl/status/statusor.h"
#include "api/herald/v1/topic.grpc.pb.h"
#include "broker/control/service_environment.h"
#include "broker/core/topic.h"

namespace herald::control {

// The proto form of a topic.
v1::Topic ToProto(const TopicInfo& info);
// The configuration in `topic`; `field` names it in error messages ("topic").
// InvalidArgument for a negative or out-of-range max_age.
absl::StatusOr<TopicConfig> FromProto(const v1::Topic& topic, std::string_view field);

// Page tokens are opaque to clients: the web-safe base64 of the last name returned.
std::string EncodePageToken(std::string_view last_name);
// InvalidArgument naming page_token for anything EncodePageToken did not produce.
absl::StatusOr<std::string> DecodePageToken(std::string_view token);

// Thread-safe; every method answers inline (the engine's topic operations do not block on I/O
// for long).
class TopicService final : public v1::TopicService::CallbackService {
 public:
  // `env` must outlive the service.
  explicit TopicService(ServiceEnvironment& env) : env_(env) {}

  grpc::ServerUnaryReactor* CreateTopic(grpc::CallbackServerContext* context,
                                        const v1::CreateTopicRequest* request,
                                        v1::Topic* response) override;
  grpc::ServerUnaryReactor* GetTopic(grpc::CallbackServerContext* context,
                                     const v1::GetTopicRequest* request,
                                     v1::Topic* response) override;
  grpc::ServerUnaryReactor* ListTopics(grpc::CallbackServerContext* context,
                                       const v1::ListTopicsRequest* request,
                                       v1::ListTopicsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateTopic(grpc::CallbackServerContext* context,
                                        const v1::UpdateTopicRequest* request,
                                        v1::Topic* response) override;
  grpc::ServerUnaryReactor* DeleteTopic(grpc::CallbackServerContext* context,
                                        const v1::DeleteTopicRequest* request,
                                        v1::DeleteTopicResponse* response) override;

 private:
  ServiceEnvironment& env_;
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_TOPIC_SERVICE_H_
