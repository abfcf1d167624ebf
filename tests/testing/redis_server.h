// A real redis-server for tests: started on a free loopback port in a directory of its own,
// restarted, killed and queried the way a test needs.
//
//   absl::StatusOr<std::unique_ptr<RedisServer>> redis = RedisServer::Start();
//   if (absl::IsNotFound(redis.status())) GTEST_SKIP() << redis.status();
//   (*redis)->Call({"CLIENT", "KILL", "TYPE", "pubsub"});
#ifndef HERALD_TESTS_TESTING_REDIS_SERVER_H_
#define HERALD_TESTS_TESTING_REDIS_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "absl/status/statusor.h"

namespace herald::testing {

// Unsafe: one thread.
class RedisServer {
 public:
  // NotFound when redis-server is not installed (tools/setup.sh installs it).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  // Kills the server and removes its directory.
  ~RedisServer();

  uint16_t port() const { return port_; }
  std::string url() const;

  // Stops the server as an operator would (SHUTDOWN: it saves its append-only file).
  void Stop();
  // SIGKILL.
  void Kill();
  // Starts it again on the same port; `wipe` first deletes its data, as a Redis whose disk
  // was lost (or that ran without persistence) comes back empty.
  absl::Status Restart(bool wipe);

  // Runs one command on a fresh connection; the reply as text (an array's elements joined by
  // newlines). Unavailable when the server cannot be reached or answers an error.
  absl::StatusOr<std::string> Call(const std::vector<std::string>& args) const;

 private:
  RedisServer(std::string dir, uint16_t port) : dir_(std::move(dir)), port_(port) {}
  absl::Status Launch();

  const std::string dir_;
  const uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace herald::testing

#endif  // HERALD_TESTS_TESTING_REDIS_SERVER_H_
