#include "broker/engine/redis/redis_connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/posix/stream_descriptor.hpp"
#include "boost/asio/post.hpp"
#include "broker/core/string_view.h"
#include "hiredis/async.h"
#include "hiredis/hiredis.h"

namespace herald::engine {

// The socket as the loop sees it. hiredis owns the descriptor (and closes it); the Asio
// object only waits on it and is released, never closed, when hiredis cleans up. Pending
// waits hold a reference, so they may complete after the connection is gone.
struct RedisConnection::Io : std::enable_shared_from_this<Io> {
  Io(boost::asio::io_context& io, redisAsyncContext* c) : socket(io, c->c.fd), context(c) {}

  void WaitRead() {
    if (reading || !want_read || context == nullptr) return;
    reading = true;
    socket.async_wait(boost::asio::posix::descriptor_base::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        self->reading = false;
                        if (ec || self->context == nullptr || !self->want_read) return;
                        // May end the connection: hiredis then cleans up (context is null).
                        redisAsyncHandleRead(self->context);
                        self->WaitRead();
                      });
  }

  void WaitWrite() {
    if (writing || !want_write || context == nullptr) return;
    writing = true;
    socket.async_wait(boost::asio::posix::descriptor_base::wait_write,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        self->writing = false;
                        if (ec || self->context == nullptr || !self->want_write) return;
                        redisAsyncHandleWrite(self->context);
                        self->WaitWrite();
                      });
  }

  static void AddRead(void* p) {
    Io* io = static_cast<Io*>(p);
    io->want_read = true;
    io->WaitRead();
  }
  static void DelRead(void* p) { static_cast<Io*>(p)->want_read = false; }
  static void AddWrite(void* p) {
    Io* io = static_cast<Io*>(p);
    io->want_write = true;
    io->WaitWrite();
  }
  static void DelWrite(void* p) { static_cast<Io*>(p)->want_write = false; }
  static void Cleanup(void* p) {
    Io* io = static_cast<Io*>(p);
    io->context = nullptr;
    io->want_read = io->want_write = false;
    // Cancels the waits; hiredis closes the descriptor.
    io->socket.release();
  }

  boost::asio::posix::stream_descriptor socket;
  redisAsyncContext* context;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;
};

RedisConnection::RedisConnection(boost::asio::io_context& io, RedisAddress address,
                                 absl::Duration timeout)
    : io_(io), address_(std::move(address)), timeout_(timeout), timeout_timer_(io) {}

RedisConnection::~RedisConnection() { Close(); }

absl::Status RedisConnection::Unavailable(std::string_view what) const {
  return absl::UnavailableError(
      absl::StrCat("Redis at ", address_.ToString(), ": ", AbslView(what)));
}

void RedisConnection::Connect(absl::AnyInvocable<void(absl::Status) &&> ready,
                              absl::AnyInvocable<void(absl::Status) &&> lost) {
  Close();
  ready_ = std::move(ready);
  lost_ = std::move(lost);
  state_ = State::kConnecting;
  closing_reason_ = "connection lost";
  context_ = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (context_ == nullptr || context_->err) {
    const std::string why = context_ ? context_->errstr : "out of memory";
    if (context_) redisAsyncFree(context_);
    context_ = nullptr;
    Finish(Unavailable(absl::StrCat("cannot connect: ", why)));
    return;
  }
  context_->data = this;
  io_state_ = std::make_shared<Io>(io_, context_);
  context_->ev.data = io_state_.get();
  context_->ev.addRead = &Io::AddRead;
  context_->ev.delRead = &Io::DelRead;
  context_->ev.addWrite = &Io::AddWrite;
  context_->ev.delWrite = &Io::DelWrite;
  context_->ev.cleanup = &Io::Cleanup;
  redisAsyncSetConnectCallback(context_, &RedisConnection::OnConnect);
  redisAsyncSetDisconnectCallback(context_, &RedisConnection::OnDisconnect);

  // Commands queue until the TCP connection is up; replies come in order, so the PING's
  // answers for all of them.
  auto refuse = [this](absl::StatusOr<RedisValue> reply) {
    if (reply.ok() && reply->is_error()) Fail(Unavailable(reply->str));
  };
  if (!address_.password.empty()) {
    if (address_.user.empty()) {
      Send({"AUTH", address_.password}, refuse);
    } else {
      Send({"AUTH", address_.user, address_.password}, refuse);
    }
  }
  if (address_.db != 0) Send({"SELECT", absl::StrCat(address_.db)}, refuse);
  Send({"PING"}, [this](absl::StatusOr<RedisValue> reply) {
    if (!reply.ok() || state_ != State::kConnecting) return;
    state_ = State::kReady;
    if (ready_)
      boost::asio::post(
          io_, [ready = std::move(ready_)]() mutable { std::move(ready)(absl::OkStatus()); });
  });
  ArmTimeoutCheck();
}

void RedisConnection::Command(const std::vector<std::string>& args, RedisReplyCallback done) {
  if (state_ != State::kReady) {
    std::move(done)(Unavailable("not connected"));
    return;
  }
  Send(args, std::move(done));
}

void RedisConnection::Send(const std::vector<std::string>& args, RedisReplyCallback done) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* callback = new RedisReplyCallback(std::move(done));
  if (redisAsyncCommandArgv(context_, &RedisConnection::OnReply, callback,
                            static_cast<int>(args.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    std::unique_ptr<RedisReplyCallback> owned(callback);
    std::move (*owned)(Unavailable("cannot send a command"));
    return;
  }
  sent_.push_back(absl::Now());
}

void RedisConnection::Subscribe(const std::string& channel, RedisMessageCallback on_message) {
  if (state_ != State::kReady) return;
  on_message_ = std::move(on_message);
  const char* argv[] = {"SUBSCRIBE", channel.data()};
  const size_t lengths[] = {9, channel.size()};
  redisAsyncCommandArgv(context_, &RedisConnection::OnMessage, this, 2, argv, lengths);
}

void RedisConnection::OnReply(redisAsyncContext* context, void* reply, void* privdata) {
  std::unique_ptr<RedisReplyCallback> done(static_cast<RedisReplyCallback*>(privdata));
  auto* self = static_cast<RedisConnection*>(context->data);
  if (reply == nullptr) {
    std::move (*done)(self->Unavailable(self->closing_reason_));
    return;
  }
  if (!self->sent_.empty()) self->sent_.pop_front();
  std::move (*done)(RedisValue::From(*static_cast<redisReply*>(reply)));
}

void RedisConnection::OnMessage(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisConnection*>(privdata);
  if (reply == nullptr || !self->on_message_) return;
  self->on_message_(RedisValue::From(*static_cast<redisReply*>(reply)));
}

void RedisConnection::OnConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (status == REDIS_OK || self->context_ != context) return;
  // hiredis frees the context after this callback.
  self->Ended(self->Unavailable(absl::StrCat("cannot connect: ", context->errstr)));
}

void RedisConnection::OnDisconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (self->context_ != context) return;
  self->Ended(self->Unavailable(status == REDIS_OK
                                    ? std::string("connection closed")
                                    : absl::StrCat("connection lost: ", context->errstr)));
}

void RedisConnection::Ended(absl::Status why) {
  context_ = nullptr;
  closing_reason_ = std::string(why.message());
  Finish(std::move(why));
}

void RedisConnection::Fail(absl::Status why) {
  if (state_ == State::kClosed) return;
  redisAsyncContext* context = context_;
  Ended(std::move(why));
  // Fails every command in flight (now, or after the hiredis callback we may be inside).
  if (context) redisAsyncFree(context);
}

void RedisConnection::Finish(absl::Status why) {
  const State was = state_;
  state_ = State::kClosed;
  sent_.clear();
  on_message_ = nullptr;
  timeout_timer_.cancel();
  absl::AnyInvocable<void(absl::Status)&&> tell =
      was == State::kConnecting ? std::move(ready_) : std::move(lost_);
  ready_ = nullptr;
  lost_ = nullptr;
  if (tell) {
    boost::asio::post(io_, [tell = std::move(tell), why = std::move(why)]() mutable {
      std::move(tell)(std::move(why));
    });
  }
}

void RedisConnection::Close() {
  ready_ = nullptr;
  lost_ = nullptr;
  Fail(Unavailable("connection closed"));
}

void RedisConnection::ArmTimeoutCheck() {
  timeout_timer_.expires_after(
      std::max(absl::ToChronoMilliseconds(timeout_ / 4), std::chrono::milliseconds(10)));
  timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || state_ == State::kClosed) return;
    if (!sent_.empty() && absl::Now() - sent_.front() > timeout_) {
      Fail(Unavailable(absl::StrCat("no answer within ", absl::FormatDuration(timeout_))));
      return;
    }
    ArmTimeoutCheck();
  });
}

}  // namespace herald::engine
