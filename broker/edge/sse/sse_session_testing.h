// What the SSE session tests share: a stream opened on a SessionHarness, and its bytes read
// back as an EventSource would see them.
//
//   testing::Peer& peer = OpenSse(harness, "/v1/sse?topic=t");
//   const size_t opening = WaitForOpening(peer);
//   EXPECT_EQ(EventData(peer.received()), (std::vector<std::string>{"a", "b"}));
#ifndef HERALD_BROKER_EDGE_SSE_SSE_SESSION_TESTING_H_
#define HERALD_BROKER_EDGE_SSE_SSE_SESSION_TESTING_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "broker/edge/testing/session_harness.h"

namespace herald::edge::sse {

// Starts an SSE session for `target` ("/v1/sse?topic=t") on a new in-memory connection.
testing::Peer& OpenSse(testing::SessionHarness& harness, const std::string& target,
                       testing::ConnectionOptions options = {});

// Waits for the opening of a stream without a cursor (the 200 head, `: herald`, `retry:` and
// the id-only block) and returns its size in bytes; 0 when it did not arrive.
size_t WaitForOpening(testing::Peer& peer);

// The data of every event in `received`, in order (blocks without a data line are not events).
std::vector<std::string> EventData(std::string_view received);

// How often `what` occurs in `text`.
size_t Occurrences(std::string_view text, std::string_view what);

}  // namespace herald::edge::sse

#endif  // HERALD_BROKER_EDGE_SSE_SSE_SESSION_TESTING_H_
