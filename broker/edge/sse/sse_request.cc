#include "broker/edge/sse/sse_request.h"

#include <string>
#include <utility>

#include "broker/core/status_macros.h"
#include "broker/edge/http_request.h"
#include "broker/session/subscribe_request.h"

namespace herald::edge::sse {

namespace http = boost::beast::http;

absl::StatusOr<SseRequest> ParseSseRequest(const EdgeOptions& options, const Request& request,
                                           observe::Metrics* metrics) {
  std::string origin(request[http::field::origin]);
  if (!origin.empty()) HERALD_RETURN_IF_ERROR(CheckOrigin(options.allowed_origins, origin));
  const RequestTarget target = ParseTarget(request.target());
  // EventSource sends the header on reconnect, with the newest id: it wins.
  std::string from(request["Last-Event-ID"]);
  if (from.empty()) from = target.First("last_event_id").value_or("");
  HERALD_ASSIGN_OR_RETURN(
      session::SubscribeRequest subscribe,
      session::ParseSubscribeRequest(target.All("topic"), from,
                                     {.cursor_field = "Last-Event-ID / last_event_id",
                                      .max_topics = options.max_topics_per_subscription,
                                      .metrics = metrics}));
  return SseRequest{.topics = std::move(subscribe.topics),
                    .from = std::move(subscribe.from),
                    .origin = std::move(origin)};
}

}  // namespace herald::edge::sse
