// A browser session's surroundings without sockets, for tests of the session templates on
// SessionStream: one shard (an io_context on its own thread, as in the broker) with its
// session table and sweep, EdgeOptions, EdgeMetrics, a FakeClock, and the local engine over a
// memory store. Connect() gives a session its end of an in-memory connection and the test
// the client's end, a Peer.
//
//   SessionHarness harness({.heartbeat_interval = absl::Seconds(15)});
//   harness.CreateTopic("t");
//   Peer& peer = harness.Connect([&](const SessionContext& context, SessionStream stream,
//                                    ConnectionLease lease) {
//     internal::StartSseSession(context, nullptr, std::move(stream), request, std::move(lease));
//   });
//   harness.Publish("t", {"hello"});
//   EXPECT_TRUE(peer.WaitForText("data: hello\n"));
#ifndef HERALD_BROKER_EDGE_TESTING_SESSION_HARNESS_H_
#define HERALD_BROKER_EDGE_TESTING_SESSION_HARNESS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/post.hpp"
#include "boost/beast/_experimental/test/stream.hpp"
#include "broker/core/clock.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/edge_options.h"
#include "broker/edge/session_context.h"
#include "broker/edge/testing/session_stream.h"
#include "broker/engine/local/local_engine.h"
#include "broker/fanout/shard.h"
#include "broker/session/close_reason.h"
#include "broker/session/session.h"
#include "broker/session/session_registry.h"
#include "broker/session/task_count.h"
#include "broker/store/memory/memory_store.h"

namespace herald::edge::testing {

// Runs `fn` on `shard`'s thread and returns its result once it has run.
template <class Fn>
auto RunOnShard(fanout::Shard& shard, Fn fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  boost::asio::post(shard.context(), [&task] { task(); });
  return result.get();
}

// How long the Wait* calls wait before they give up.
inline constexpr absl::Duration kWaitTimeout = absl::Seconds(10);

// The client's end of one connection: reads everything the session sends for as long as the
// connection is open, and can stop reading. Use from the test's thread; owned by the harness.
class Peer {
 public:
  explicit Peer(fanout::Shard& shard);

  // The bytes received so far, in order.
  std::string received();
  // True once the session has closed the connection (and everything before was received).
  bool closed();
  // True as soon as `predicate(received(), closed())` holds; false after kWaitTimeout.
  bool WaitUntil(const std::function<bool(std::string_view received, bool closed)>& predicate);
  bool WaitForText(std::string_view text);
  bool WaitForClose();

  // Sends `bytes` to the session, as a client writes to its socket.
  void Send(std::string bytes);
  // The client reads `bytes` more and then stops: the session's writes wait for the next call.
  // The first call counts from now (ReadMore(0): the client stops reading).
  void ReadMore(size_t bytes);
  // Writes of the session that carried bytes, and writes it began before the one before
  // completed (always 0 when it keeps one write in flight).
  int writes();
  int overlapping_writes();

 private:
  friend class SessionHarness;
  // On the shard: reads until the session closes the connection.
  void Read();

  fanout::Shard& shard_;
  boost::beast::test::stream client_;
  std::shared_ptr<Link> link_;
  std::array<char, 4096> buffer_;
  std::string received_;
  bool closed_ = false;
};

struct ConnectionOptions {
  // The most one write of the session carries (test::stream's write_size): a connection that
  // takes few bytes at a time.
  size_t write_size = SIZE_MAX;
};

// Shared objects: unsafe; use from the test's thread.
class SessionHarness {
 public:
  // The sweep runs every `options.sweep_interval` of real time and reads the fake clock;
  // drains time out after `options.drain_timeout` of the fake clock.
  explicit SessionHarness(EdgeOptions options = {});
  // Stops the sessions and waits for them, then the shard.
  ~SessionHarness();
  SessionHarness(const SessionHarness&) = delete;
  SessionHarness& operator=(const SessionHarness&) = delete;

  using StartSession = std::function<void(const SessionContext&, SessionStream, ConnectionLease)>;
  // On the shard: a new connection, whose server end `start` hands to a session.
  Peer& Connect(const StartSession& start, ConnectionOptions options = {});

  absl::Status CreateTopic(const std::string& name);
  // Stores every one of `data` in `topic`, in order, and returns once the shard has handed
  // them to its sessions, in one dispatch pass (the shard waits until the last is stored).
  absl::Status Publish(const std::string& topic, const std::vector<std::string>& data);

  // The node's drain (SessionRegistry::Drain), once the shard has drained its table: the drain
  // timeout runs from the fake clock's time now. The sessions told.
  size_t Drain();

  // True once `count` sessions of `transport` have ended for `reason` (counted when a session
  // leaves its table, after its connection closed); false after kWaitTimeout.
  bool WaitForCloses(session::Transport transport, session::CloseReason reason, uint64_t count = 1);

  template <class Fn>
  auto OnShard(Fn fn) {
    return RunOnShard(shard(), std::move(fn));
  }
  fanout::Shard& shard() { return shards_.shard(0); }
  session::ShardSessions& sessions() { return registry_.shard(0); }
  session::SessionRegistry& registry() { return registry_; }
  FakeClock& clock() { return clock_; }
  EdgeMetrics& metrics() { return metrics_; }

 private:
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  store::MemoryStore store_;
  engine::LocalEngine engine_{store_, clock_, {}};
  fanout::ShardPool shards_{1};
  session::SessionRegistry registry_;
  const EdgeOptions options_;
  EdgeMetrics metrics_;
  session::TaskCount tasks_;
  // What every session of the shard holds by reference.
  const SessionContext context_{.options = options_,
                                .engine = engine_,
                                .shard = shards_.shard(0),
                                .sessions = registry_.shard(0),
                                .metrics = metrics_};
  // Last, so destroyed first: a client's stream belongs to the shard's io_context.
  std::vector<std::unique_ptr<Peer>> peers_;
};

}  // namespace herald::edge::testing

#endif  // HERALD_BROKER_EDGE_TESTING_SESSION_HARNESS_H_
