#include "tests/testing/redis_server.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hiredis/hiredis.h"
#include "tests/testing/wait_for.h"

namespace herald::testing {
namespace {

constexpr char kRedisServer[] = "/usr/bin/redis-server";

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string Text(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply.integer);
    case REDIS_REPLY_NIL:
      return "";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < reply.elements; ++i) parts.push_back(Text(*reply.element[i]));
      return absl::StrJoin(parts, "\n");
    }
    default:
      return std::string(reply.str, reply.len);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  if (access(kRedisServer, X_OK) != 0) {
    return absl::NotFoundError("redis-server is not installed; run tools/setup.sh");
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/redis-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("cannot create a directory");
  std::unique_ptr<RedisServer> server(new RedisServer(dir, FreePort()));
  if (absl::Status status = server->Launch(); !status.ok()) return status;
  return server;
}

RedisServer::~RedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const { return absl::StrCat("redis://127.0.0.1:", port_, "/0"); }

absl::Status RedisServer::Launch() {
  const std::string port = absl::StrCat(port_);
  const std::string log = absl::StrCat(dir_, "/redis.log");
  pid_ = fork();
  if (pid_ == 0) {
    execl(kRedisServer, kRedisServer, "--port", port.c_str(), "--bind", "127.0.0.1", "--dir",
          dir_.c_str(), "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile",
          log.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (WaitFor([this] { return Call({"PING"}).ok(); }, absl::Seconds(10))) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("redis-server did not start; see ", log));
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  Call({"SHUTDOWN"}).IgnoreError();
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status RedisServer::Restart(bool wipe) {
  Kill();
  if (wipe) {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ignored)) {
      if (entry.path().filename() != "redis.log") std::filesystem::remove_all(entry, ignored);
    }
  }
  return Launch();
}

absl::StatusOr<std::string> RedisServer::Call(const std::vector<std::string>& args) const {
  timeval timeout{.tv_sec = 2, .tv_usec = 0};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr || context->err) {
    if (context) redisFree(context);
    return absl::UnavailableError("cannot connect to redis-server");
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()));
  absl::StatusOr<std::string> result = absl::UnavailableError("no reply from redis-server");
  if (reply != nullptr) {
    result = reply->type == REDIS_REPLY_ERROR
                 ? absl::StatusOr<std::string>(absl::UnavailableError(Text(*reply)))
                 : Text(*reply);
    freeReplyObject(reply);
  }
  redisFree(context);
  return result;
}

}  // namespace herald::testing
