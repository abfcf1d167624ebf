#include "broker/session/shard_sessions.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "broker/core/string_view.h"
#include "broker/observe/log.h"
#include "broker/session/session_registry.h"

namespace herald::session {

namespace asio = boost::asio;

std::string_view TransportName(Transport transport) {
  switch (transport) {
    case Transport::kHttp:
      return "http";
    case Transport::kSse:
      return "sse";
    case Transport::kWs:
      return "ws";
    case Transport::kGrpc:
      return "grpc";
  }
  return "unknown";
}

namespace {

// The node ends `session`: the reason is noted before the session acts on it.
void AbortFor(Session& session, CloseReason reason) {
  session.NoteClose(reason);
  session.Abort();
}

void DrainFor(Session& session) {
  session.NoteClose(CloseReason::kDrained);
  session.Drain();
}

}  // namespace

std::string SessionId(uint64_t id) { return absl::StrFormat("c%08d", id); }

TransportSet TransportSet::Of(std::initializer_list<Transport> transports) {
  TransportSet set;
  for (Transport t : transports) set.bits |= static_cast<uint8_t>(1u << static_cast<int>(t));
  return set;
}

ShardSessions::ShardSessions(SessionRegistry& registry, fanout::Shard& shard, const Clock& clock,
                             absl::Duration sweep_interval, absl::Duration drain_timeout)
    : registry_(registry),
      shard_(shard),
      clock_(clock),
      interval_(sweep_interval),
      drain_timeout_(drain_timeout),
      timer_(shard.context()) {}

asio::awaitable<void> ShardSessions::Run() {
  while (!stopped_) {
    timer_.expires_after(absl::ToChronoNanoseconds(interval_));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    const absl::Time now = clock_.Now();
    const bool past_drain = drain_deadline_ && now >= *drain_deadline_;
    // By index: sweeps and aborts only close sockets and wake writers, whose completions run
    // later, so no session leaves the table during this walk.
    for (size_t i = 0; i < sessions_.size(); ++i) {
      if (past_drain) {
        sessions_[i]->Abort();
      } else {
        sessions_[i]->OnSweep(now);
      }
    }
  }
}

void ShardSessions::Add(Session* session, Transport transport) {
  session->slot_ = static_cast<uint32_t>(sessions_.size());
  sessions_.push_back(session);
  Open(session, transport);
}

void ShardSessions::Promote(Session* session, Transport transport) {
  registry_.Closed(session->transport_);
  Open(session, transport);
}

void ShardSessions::Open(Session* session, Transport transport) {
  session->transport_ = transport;
  session->opened_at_unix_seconds_ = absl::ToUnixSeconds(clock_.Now());
  session->id_ = registry_.Opened(transport);
  if (transport != Transport::kHttp && observe::LogEnabled(observe::LogLevel::kInfo)) {
    SessionSnapshot snapshot;
    session->Describe(snapshot);
    observe::Log(observe::LogLevel::kInfo, "session_opened",
                 {{"id", SessionId(session->id_)},
                  {"transport", AbslView(TransportName(transport))},
                  {"kind", snapshot.kind},
                  {"peer", snapshot.peer},
                  {"subject", snapshot.subject},
                  {"topics", absl::StrJoin(snapshot.topics, ",")}});
  }
  if (stopped_ || aborted_.Has(transport)) {
    AbortFor(*session, CloseReason::kServerStopped);
  } else if (drain_deadline_) {
    DrainFor(*session);
  }
}

void ShardSessions::Remove(Session* session) {
  const size_t slot = session->slot_;
  if (slot >= sessions_.size() || sessions_[slot] != session) return;
  // Swap-remove: O(1), order does not matter to a sweep.
  sessions_[slot] = sessions_.back();
  sessions_[slot]->slot_ = static_cast<uint32_t>(slot);
  sessions_.pop_back();
  session->slot_ = Session::kNoSlot;
  registry_.Closed(session->transport_);
  Ended(*session);
}

void ShardSessions::Ended(const Session& session) {
  const Transport transport = session.transport_;
  const CloseReason reason = session.close_reason();
  // An HTTP-phase connection that ends without a reason was handed to a stream or answered
  // all its requests: not a close worth counting.
  if (transport == Transport::kHttp && reason == CloseReason::kClientClosed) return;
  SessionSnapshot snapshot;
  session.Describe(snapshot);
  registry_.CountClose(transport, reason, snapshot.delivered > 0);
  if (transport == Transport::kHttp) return;
  const int64_t seconds = absl::ToUnixSeconds(clock_.Now()) - session.opened_at_unix_seconds_;
  const std::string topics = absl::StrJoin(snapshot.topics, ",");
  observe::Log(observe::LogLevel::kInfo, "session_closed",
               {{"id", SessionId(session.id_)},
                {"transport", AbslView(TransportName(transport))},
                {"kind", snapshot.kind},
                {"peer", snapshot.peer},
                {"subject", snapshot.subject},
                {"topics", topics},
                {"reason", AbslView(CloseReasonName(reason))},
                {"seconds", seconds},
                {"delivered", snapshot.delivered}});
  observe::AccessLog("stream", {{"transport", AbslView(TransportName(transport))},
                                {"peer", snapshot.peer},
                                {"topics", topics},
                                {"reason", AbslView(CloseReasonName(reason))},
                                {"seconds", seconds},
                                {"delivered", snapshot.delivered}});
}

void ShardSessions::Drain() {
  if (drain_deadline_) return;
  drain_deadline_ = clock_.Now() + drain_timeout_;
  for (size_t i = 0; i < sessions_.size(); ++i) DrainFor(*sessions_[i]);
}

void ShardSessions::Abort(TransportSet transports) {
  aborted_.bits |= transports.bits;
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (transports.Has(sessions_[i]->transport_)) {
      AbortFor(*sessions_[i], CloseReason::kServerStopped);
    }
  }
}

void ShardSessions::Stop() {
  stopped_ = true;
  timer_.cancel();
  for (size_t i = 0; i < sessions_.size(); ++i) {
    AbortFor(*sessions_[i], CloseReason::kServerStopped);
  }
}

void ShardSessions::AppendSnapshots(std::string_view topic, std::optional<Transport> transport,
                                    std::vector<SessionSnapshot>& out) const {
  for (const Session* session : sessions_) {
    if (session->transport_ == Transport::kHttp) continue;
    if (transport && session->transport_ != *transport) continue;
    SessionSnapshot snapshot;
    session->Describe(snapshot);
    if (!topic.empty() &&
        std::find(snapshot.topics.begin(), snapshot.topics.end(), topic) == snapshot.topics.end()) {
      continue;
    }
    snapshot.id = SessionId(session->id_);
    snapshot.transport = session->transport_;
    snapshot.opened_at = absl::FromUnixSeconds(session->opened_at_unix_seconds_);
    out.push_back(std::move(snapshot));
  }
}

bool ShardSessions::Disconnect(uint64_t id, const absl::Status& reason) {
  for (Session* session : sessions_) {
    if (session->id_ == id && session->transport_ != Transport::kHttp) {
      session->NoteClose(CloseReason::kKicked);
      session->Disconnect(reason);
      return true;
    }
  }
  return false;
}

}  // namespace herald::session
