// What the WebSocket session tests share: a connection upgraded on a SessionHarness, and the
// server's frames read back from what the client received.
//
//   testing::Peer& peer = OpenWs(harness);
//   peer.Send(wire::ClientFrame({.opcode = wire::kWsText, .payload = R"({"op":"ping"})"}));
//   std::vector<ReceivedFrame> frames = ReceivedFrames(peer.received());
#ifndef HERALD_BROKER_EDGE_WS_WS_SESSION_TESTING_H_
#define HERALD_BROKER_EDGE_WS_WS_SESSION_TESTING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/edge/http_response.h"
#include "broker/edge/testing/session_harness.h"

namespace herald::edge::ws {

// An upgrade request as a browser sends it (with RFC 6455's sample key), offering
// herald.v1.json.
Request UpgradeRequest();

// Upgrades a new in-memory connection to a WebSocket session and waits for the 101; fails
// the test when it does not come.
testing::Peer& OpenWs(testing::SessionHarness& harness, testing::ConnectionOptions options = {});

// A frame the server sent (unmasked, unfragmented), kept.
struct ReceivedFrame {
  uint8_t opcode;
  std::string payload;
  // A close frame's code (0 without one).
  uint16_t close_code = 0;
};

// The whole frames in `received` after the 101 response.
std::vector<ReceivedFrame> ReceivedFrames(std::string_view received);

// True once a frame with `opcode` has arrived; false after the harness's wait timeout.
bool WaitForFrame(testing::Peer& peer, uint8_t opcode);

}  // namespace herald::edge::ws

#endif  // HERALD_BROKER_EDGE_WS_WS_SESSION_TESTING_H_
