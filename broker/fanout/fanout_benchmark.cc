// Publish path and fan-out cost, in process: an event published through the engine, encoded
// once and dispatched by a shard to N subscriptions, each queueing it for a gathered write.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "boost/asio/post.hpp"
#include "broker/engine/local/local_engine.h"
#include "broker/fanout/outbound_queue.h"
#include "broker/fanout/subscription.h"
#include "broker/store/memory/memory_store.h"

namespace herald::fanout {
namespace {

constexpr int kEventsPerBatch = 64;
const std::string kPayload(64, 'x');

// What a session does with a delivery: queue the shared frame, write when enough is queued.
class QueueingDelivery : public Delivery {
 public:
  bool HasRoom() const override { return queue_.has_room(); }
  void Deliver(const std::shared_ptr<const EncodedEvent>& event, const std::string&) override {
    queue_.PushShared(event, event->sse_frame);
    // A session under load gathers a few frames per write; a deep queue would measure cache
    // misses of a backlog no healthy session keeps.
    if (queue_.pending_bytes() > 1024) {
      benchmark::DoNotOptimize(queue_.Prepare().data());
      queue_.Consume();
    }
  }
  void DeliverNotice(const Notice&, const std::string&) override {}
  void Overflow() override { std::abort(); }

 private:
  OutboundQueue queue_{1 << 20};
};

template <typename Fn>
void RunOn(Shard& shard, Fn fn) {
  std::promise<void> done;
  boost::asio::post(shard.context(), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void BM_PublishNoSubscribers(benchmark::State& state) {
  store::MemoryStore store;
  engine::LocalEngine engine(store, SystemClock(), {});
  ShardPool shards(1);
  engine.SetSink([&shards](const EventPtr& e) { shards.Publish(EncodeEvent(e)); });
  (void)engine.CreateTopic({.name = "t", .retention = {.max_events = 1000}});
  for (auto _ : state) {
    benchmark::DoNotOptimize(PublishAndWait(engine, {.topic = "t", .data = kPayload}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublishNoSubscribers);

void BM_FanOut(benchmark::State& state) {
  const int subscribers = static_cast<int>(state.range(0));
  store::MemoryStore store;
  engine::LocalEngine engine(store, SystemClock(), {});
  ShardPool shards(1);
  Shard& shard = shards.shard(0);
  engine.SetSink([&shards](const EventPtr& e) { shards.Publish(EncodeEvent(e)); });
  (void)engine.CreateTopic({.name = "t", .retention = {.max_events = 1000}});
  std::vector<std::unique_ptr<QueueingDelivery>> deliveries;
  std::vector<std::unique_ptr<Subscription>> subscriptions;
  RunOn(shard, [&] {
    for (int i = 0; i < subscribers; ++i) {
      deliveries.push_back(std::make_unique<QueueingDelivery>());
      subscriptions.push_back(
          std::make_unique<Subscription>(shard, engine, *deliveries.back(), CursorMode::kCombined));
      (void)subscriptions.back()->Add("t", nullptr);
    }
  });
  for (auto _ : state) {
    for (int i = 0; i < kEventsPerBatch; ++i)
      (void)PublishAndWait(engine, {.topic = "t", .data = kPayload});
    RunOn(shard, [] {});
  }
  state.SetItemsProcessed(state.iterations() * kEventsPerBatch * subscribers);
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kEventsPerBatch), benchmark::Counter::kIsRate);
  RunOn(shard, [&] { subscriptions.clear(); });
}
BENCHMARK(BM_FanOut)->Arg(1)->Arg(100)->Arg(10000)->UseRealTime();

}  // namespace
}  // namespace herald::fanout
