// One asynchronous connection to Redis: hiredis's async API driven by an Asio event loop.
//
// hiredis parses and formats; the loop owns readiness. Its read/write hooks arm
// `async_wait` on the connection's socket, so commands pipeline (everything queued between
// two wake-ups goes out in one write) and nothing blocks the loop's thread. hiredis 0.14 has
// no timeouts of its own: a connection whose oldest command waits longer than the timeout
// is closed, failing every command in flight.
//
//   RedisConnection redis(io, address, absl::Seconds(2));
//   redis.Connect([](absl::Status s) { ... }, [](absl::Status lost) { ... });
//   redis.Command({"PING"}, [](absl::StatusOr<RedisValue> reply) { ... });
#ifndef HERALD_BROKER_ENGINE_REDIS_REDIS_CONNECTION_H_
#define HERALD_BROKER_ENGINE_REDIS_REDIS_CONNECTION_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "broker/engine/redis/redis_address.h"
#include "broker/engine/redis/redis_value.h"

struct redisAsyncContext;

namespace herald::engine {

// A command's reply (which may be a Redis error reply), or Unavailable when the connection
// failed before it came.
using RedisReplyCallback = absl::AnyInvocable<void(absl::StatusOr<RedisValue>) &&>;
// The subscription's confirmation (["subscribe", channel, n]) and each message of the
// channel (["message", channel, payload]).
using RedisMessageCallback = std::function<void(const RedisValue&)>;

// Unsafe: every call, and every callback, on the loop's thread.
class RedisConnection {
 public:
  RedisConnection(boost::asio::io_context& io, RedisAddress address, absl::Duration timeout);
  // Fails whatever is in flight (their callbacks run, with Unavailable).
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects, logs in and selects the database. `ready` runs once, with OK or why not; after
  // OK, `lost` runs once when the connection ends. Call again after either to reconnect.
  void Connect(absl::AnyInvocable<void(absl::Status) &&> ready,
               absl::AnyInvocable<void(absl::Status) &&> lost);
  bool connected() const { return state_ == State::kReady; }

  // Sends `args` as one command. Unavailable at once when not connected.
  void Command(const std::vector<std::string>& args, RedisReplyCallback done);
  // Subscribes to `channel`; `on_message` runs for its confirmation and each message until
  // the connection ends.
  // The connection then takes no other command (Redis's subscribed mode).
  void Subscribe(const std::string& channel, RedisMessageCallback on_message);

  // Closes the connection, failing what is in flight; `lost` does not run.
  void Close();

  const RedisAddress& address() const { return address_; }

 private:
  struct Io;
  enum class State { kClosed, kConnecting, kReady };

  static void OnConnect(const redisAsyncContext* context, int status);
  static void OnDisconnect(const redisAsyncContext* context, int status);
  static void OnReply(redisAsyncContext* context, void* reply, void* privdata);
  static void OnMessage(redisAsyncContext* context, void* reply, void* privdata);

  void Send(const std::vector<std::string>& args, RedisReplyCallback done);
  // Ends the connection with `why`: frees hiredis's context (its callbacks fail), then tells
  // whoever waits (`ready` or `lost`).
  void Fail(absl::Status why);
  // The connection ended on hiredis's side (it frees the context itself).
  void Ended(absl::Status why);
  void Finish(absl::Status why);
  void ArmTimeoutCheck();
  absl::Status Unavailable(std::string_view what) const;

  boost::asio::io_context& io_;
  const RedisAddress address_;
  const absl::Duration timeout_;
  redisAsyncContext* context_ = nullptr;
  std::shared_ptr<Io> io_state_;
  State state_ = State::kClosed;
  absl::AnyInvocable<void(absl::Status) &&> ready_;
  absl::AnyInvocable<void(absl::Status) &&> lost_;
  // When each command in flight was sent, oldest first (replies come in order).
  std::deque<absl::Time> sent_;
  boost::asio::steady_timer timeout_timer_;
  // What commands failed by the connection's end are told.
  std::string closing_reason_;
  RedisMessageCallback on_message_;
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_REDIS_CONNECTION_H_
