#include "broker/edge/testing/session_harness.h"

#include <utility>

#include "absl/status/statusor.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/write.hpp"
#include "broker/core/engine.h"
#include "broker/fanout/encoded_event.h"
#include "tests/testing/wait_for.h"

namespace herald::edge::testing {

Peer::Peer(fanout::Shard& shard) : shard_(shard), client_(shard.context()) {}

std::string Peer::received() {
  return RunOnShard(shard_, [this] { return received_; });
}

bool Peer::closed() {
  return RunOnShard(shard_, [this] { return closed_; });
}

bool Peer::WaitUntil(const std::function<bool(std::string_view received, bool closed)>& predicate) {
  return herald::testing::WaitFor(
      [&] { return RunOnShard(shard_, [&] { return predicate(received_, closed_); }); },
      kWaitTimeout);
}

bool Peer::WaitForText(std::string_view text) {
  return WaitUntil(
      [text](std::string_view received, bool) { return received.find(text) != received.npos; });
}

bool Peer::WaitForClose() {
  return WaitUntil([](std::string_view, bool closed) { return closed; });
}

void Peer::Send(std::string bytes) {
  RunOnShard(shard_, [&] {
    boost::system::error_code ignored;
    boost::asio::write(client_, boost::asio::buffer(bytes), ignored);
  });
}

void Peer::ReadMore(size_t bytes) {
  RunOnShard(shard_, [&] { link_->TakeMore(bytes); });
}

int Peer::writes() {
  return RunOnShard(shard_, [this] { return link_->writes; });
}

int Peer::overlapping_writes() {
  return RunOnShard(shard_, [this] { return link_->overlapping_writes; });
}

void Peer::Read() {
  client_.async_read_some(boost::asio::buffer(buffer_),
                          [this](boost::system::error_code ec, size_t read) {
                            received_.append(buffer_.data(), read);
                            if (ec) {
                              closed_ = true;
                              return;
                            }
                            Read();
                          });
}

SessionHarness::SessionHarness(EdgeOptions options)
    : registry_(shards_, clock_,
                {.sweep_interval = options.sweep_interval, .drain_timeout = options.drain_timeout}),
      options_(std::move(options)) {
  engine_.SetSink([this](const EventPtr& event) { shards_.Publish(fanout::EncodeEvent(event)); });
}

SessionHarness::~SessionHarness() {
  registry_.Stop();
  tasks_.WaitForZero();
  // Every session has closed its end, so every client's read has ended: the shard's loop has
  // no work left.
  shards_.Stop();
}

Peer& SessionHarness::Connect(const StartSession& start, ConnectionOptions options) {
  Peer& peer = *peers_.emplace_back(std::make_unique<Peer>(shard()));
  OnShard([&] {
    peer.link_ = std::make_shared<Link>(shard().context().get_executor());
    boost::beast::test::stream server = boost::beast::test::connect(peer.client_);
    server.write_size(options.write_size);
    peer.Read();
    start(context_, SessionStream(std::move(server), peer.link_),
          ConnectionLease(metrics_, tasks_, {}));
  });
  return peer;
}

size_t SessionHarness::Drain() {
  const size_t told = registry_.Drain();
  // After the drain the registry posted to the shard.
  OnShard([] {});
  return told;
}

bool SessionHarness::WaitForCloses(session::Transport transport, session::CloseReason reason,
                                   uint64_t count) {
  return herald::testing::WaitFor([&] { return registry_.closed(transport, reason) == count; },
                                  kWaitTimeout);
}

absl::Status SessionHarness::CreateTopic(const std::string& name) {
  return engine_.CreateTopic({.name = name}).status();
}

absl::Status SessionHarness::Publish(const std::string& topic,
                                     const std::vector<std::string>& data) {
  std::promise<void> holding;
  std::promise<void> stored;
  boost::asio::post(shard().context(), [&holding, all_stored = stored.get_future()] {
    holding.set_value();
    all_stored.wait();
  });
  holding.get_future().wait();
  absl::Status status;
  for (const std::string& one : data) {
    status.Update(PublishAndWait(engine_, {.topic = topic, .data = one}).status());
  }
  stored.set_value();
  // After the held task, the dispatch pass it held back, and what that pass scheduled.
  OnShard([] {});
  return status;
}

}  // namespace herald::edge::testing
