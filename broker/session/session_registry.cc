#include "broker/session/session_registry.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/post.hpp"
#include "broker/core/string_view.h"
#include "broker/observe/log.h"

namespace herald::session {

namespace asio = boost::asio;

SessionRegistry::SessionRegistry(fanout::ShardPool& shards, const Clock& clock,
                                 RegistryOptions options)
    : shards_(shards), options_(options) {
  for (size_t i = 0; i < shards.size(); ++i) {
    tables_.push_back(std::make_unique<ShardSessions>(
        *this, shards.shard(i), clock, options_.sweep_interval, options_.drain_timeout));
    sweeps_.Begin();
    asio::co_spawn(shards.shard(i).context(), tables_.back()->Run(),
                   [this](std::exception_ptr) { sweeps_.End(); });
  }
}

SessionRegistry::~SessionRegistry() { Stop(); }

void SessionRegistry::PostToEveryTable(std::function<void(ShardSessions&)> task) {
  for (size_t i = 0; i < tables_.size(); ++i) {
    asio::post(shards_.shard(i).context(), [table = tables_[i].get(), task] { task(*table); });
  }
}

template <typename State>
void SessionRegistry::VisitEveryTable(std::shared_ptr<State> state,
                                      std::function<void(ShardSessions&, State&)> visit,
                                      std::function<void(State&)> finish) {
  auto remaining = std::make_shared<std::atomic<size_t>>(tables_.size());
  PostToEveryTable([state, remaining, visit, finish](ShardSessions& table) {
    visit(table, *state);
    if (remaining->fetch_sub(1) == 1) finish(*state);
  });
}

uint64_t SessionRegistry::Opened(Transport transport) {
  open_[Index(transport)].fetch_add(1, std::memory_order_relaxed);
  if (transport != Transport::kHttp)
    opened_[Index(transport)].fetch_add(1, std::memory_order_relaxed);
  return next_id_.fetch_add(1, std::memory_order_relaxed);
}

void SessionRegistry::Closed(Transport transport) {
  open_[Index(transport)].fetch_sub(1, std::memory_order_relaxed);
}

void SessionRegistry::CountClose(Transport transport, CloseReason reason, bool delivered_events) {
  closed_[Index(transport)][static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  if (!delivered_events) {
    closed_without_events_[Index(transport)].fetch_add(1, std::memory_order_relaxed);
  }
}

size_t SessionRegistry::Drain() {
  if (draining_.exchange(true)) return 0;
  observe::Log(observe::LogLevel::kInfo, "drain_started", {{"sessions", open_sessions()}});
  {
    // Readiness goes first: nothing new arrives while sessions are being told to leave.
    MutexLock lock(mu_);
    for (auto& [id, hook] : hooks_) hook();
  }
  const size_t told = open_sessions();
  PostToEveryTable([](ShardSessions& table) { table.Drain(); });
  return told;
}

bool SessionRegistry::WaitUntilNoSessions(absl::Duration timeout) const {
  // Shutdown path only: a short poll is simpler than a notification per session end.
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  while (open_sessions() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void SessionRegistry::Abort(TransportSet transports) {
  PostToEveryTable([transports](ShardSessions& table) { table.Abort(transports); });
}

void SessionRegistry::Stop() {
  if (stopped_.exchange(true)) return;
  PostToEveryTable([](ShardSessions& table) { table.Stop(); });
  sweeps_.WaitForZero();
}

void SessionRegistry::List(std::string topic, std::optional<Transport> transport, ListDone done) {
  struct State {
    std::string topic;
    std::optional<Transport> transport;
    Mutex mu;
    std::vector<SessionSnapshot> snapshots ABSL_GUARDED_BY(mu);
    ListDone done;
  };
  auto state = std::make_shared<State>();
  state->topic = std::move(topic);
  state->transport = transport;
  state->done = std::move(done);
  VisitEveryTable<State>(
      state,
      [](ShardSessions& table, State& s) {
        std::vector<SessionSnapshot> here;
        table.AppendSnapshots(s.topic, s.transport, here);
        MutexLock lock(s.mu);
        std::move(here.begin(), here.end(), std::back_inserter(s.snapshots));
      },
      [](State& s) {
        std::vector<SessionSnapshot> all;
        {
          MutexLock lock(s.mu);
          all = std::move(s.snapshots);
        }
        // Fixed-width ids: their order is the order sessions opened in.
        std::sort(all.begin(), all.end(),
                  [](const SessionSnapshot& a, const SessionSnapshot& b) { return a.id < b.id; });
        std::move(s.done)(std::move(all));
      });
}

void SessionRegistry::Disconnect(std::string id, absl::Status reason, DisconnectDone done) {
  uint64_t number = 0;
  if (id.size() < 2 || id[0] != 'c' || !absl::SimpleAtoi(AbslView(id).substr(1), &number)) {
    std::move(done)(absl::NotFoundError(absl::StrFormat(
        "'%s' is not a connection id (they look like c00000042); see heraldctl connections "
        "list",
        id)));
    return;
  }
  struct State {
    std::string id;
    uint64_t number;
    absl::Status reason;
    std::atomic<bool> found{false};
    DisconnectDone done;
  };
  auto state = std::make_shared<State>();
  state->id = std::move(id);
  state->number = number;
  state->reason = std::move(reason);
  state->done = std::move(done);
  VisitEveryTable<State>(
      state,
      [](ShardSessions& table, State& s) {
        if (table.Disconnect(s.number, s.reason)) s.found.store(true);
      },
      [](State& s) {
        std::move(s.done)(
            s.found.load()
                ? absl::OkStatus()
                : absl::NotFoundError(absl::StrFormat(
                      "no open connection '%s'; list them with heraldctl connections list", s.id)));
      });
}

std::map<std::string, uint64_t> SessionRegistry::OpenByTransport() const {
  std::map<std::string, uint64_t> counts;
  for (Transport t : kStreamingTransports) {
    counts[std::string(TransportName(t))] =
        static_cast<uint64_t>(std::max<int64_t>(open_[Index(t)].load(), 0));
  }
  return counts;
}

size_t SessionRegistry::open_sessions() const {
  int64_t n = 0;
  for (Transport t : kStreamingTransports) n += open_[Index(t)].load();
  return static_cast<size_t>(std::max<int64_t>(n, 0));
}

uint64_t SessionRegistry::delivered_total() const {
  uint64_t n = 0;
  for (Transport t : kStreamingTransports) n += delivered(t);
  return n;
}

DrainHook::DrainHook(SessionRegistry& registry, std::function<void()> on_drain)
    : registry_(registry) {
  MutexLock lock(registry_.mu_);
  id_ = registry_.next_hook_++;
  registry_.hooks_.emplace(id_, std::move(on_drain));
}

DrainHook::~DrainHook() {
  MutexLock lock(registry_.mu_);
  registry_.hooks_.erase(id_);
}

}  // namespace herald::session
