// An operator's kick (SessionRegistry::Disconnect): the stream ends with a `herald.disconnect`
// event whose data is {"message": the reason}, without an id, so the client's last event id
// stays where it was; then it closes.
#include <future>
#include <string>
#include <vector>

#include "broker/edge/sse/sse_session_impl.h"
#include "broker/edge/sse/sse_session_testing.h"
#include "broker/edge/testing/session_harness.h"
#include "broker/session/close_reason.h"
#include "gtest/gtest.h"

namespace herald::edge::sse {
namespace {

using testing::Peer;
using testing::SessionHarness;

// The id listings give the node's one SSE stream.
std::string OnlyStreamId(session::SessionRegistry& registry) {
  std::promise<std::vector<session::SessionSnapshot>> listed;
  registry.List("", session::Transport::kSse, [&](std::vector<session::SessionSnapshot> all) {
    listed.set_value(std::move(all));
  });
  std::vector<session::SessionSnapshot> all = listed.get_future().get();
  return all.size() == 1 ? all[0].id : "";
}

absl::Status Kick(session::SessionRegistry& registry, const std::string& id,
                  const std::string& reason) {
  std::promise<absl::Status> done;
  registry.Disconnect(id, absl::UnavailableError(reason),
                      [&](absl::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

TEST(SseKickTest, AKickedStreamEndsWithADisconnectEventSayingWhy) {
  SessionHarness harness;
  ASSERT_TRUE(harness.CreateTopic("t").ok());
  Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
  ASSERT_GT(WaitForOpening(peer), 0u);
  ASSERT_TRUE(harness.Publish("t", {"before"}).ok());
  ASSERT_TRUE(peer.WaitForText("data: before\n\n"));
  const size_t before = peer.received().size();

  const std::string id = OnlyStreamId(harness.registry());
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Kick(harness.registry(), id, "moving \"you\" to another node").ok());
  ASSERT_TRUE(peer.WaitForClose());
  EXPECT_EQ(peer.received().substr(before),
            "event: herald.disconnect\n"
            R"(data: {"message":"moving \"you\" to another node"})"
            "\n\n");
  EXPECT_TRUE(harness.WaitForCloses(session::Transport::kSse, session::CloseReason::kKicked));
}

}  // namespace
}  // namespace herald::edge::sse
