// Randomized property: subscribers subscribe, disconnect and resume from their last cursor at
// random while several publishers race; in the end every subscriber holds every event of its
// topics exactly once, in offset order. Seeded: HERALD_PROPERTY_SEED reproduces a run.
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "broker/broker.h"
#include "broker/core/cursor.h"
#include "broker/core/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/wait_for.h"

namespace herald {
namespace {

using ::herald::testing::WaitFor;

constexpr int kTopics = 3;
constexpr int kSubscribers = 24;
constexpr int kPublishers = 3;
constexpr int kEventsPerPublisher = 3000;
constexpr int kChurnOperations = 3000;

std::string TopicName(int i) { return "topic-" + std::to_string(i); }

// One simulated client: what it received per topic and the cursor it would resume from.
class Client {
 public:
  explicit Client(std::vector<int> topics) : topics_(std::move(topics)) {}

  const std::vector<int>& topics() const { return topics_; }

  SubscribeCallback Callback() {
    return [this](const SubscriberEvent& e) {
      MutexLock lock(mu_);
      ASSERT_EQ(e.kind, SubscriberEvent::Kind::kEvent) << e.message;
      const int topic = std::stoi(e.event->topic.substr(6));
      received_[topic].push_back(e.event->offset);
      cursor_ = e.cursor;
    };
  }

  std::string cursor() {
    MutexLock lock(mu_);
    return cursor_;
  }

  size_t count(int topic) {
    MutexLock lock(mu_);
    return received_[topic].size();
  }

  std::vector<uint64_t> offsets(int topic) {
    MutexLock lock(mu_);
    return received_[topic];
  }

  std::unique_ptr<SubscriptionHandle> handle;

 private:
  const std::vector<int> topics_;
  Mutex mu_;
  std::vector<uint64_t> received_[kTopics] ABSL_GUARDED_BY(mu_);
  std::string cursor_ ABSL_GUARDED_BY(mu_);
};

TEST(BrokerPropertyTest, ChurningSubscribersReceiveEveryEventExactlyOnceInOrder) {
  const char* seed_env = std::getenv("HERALD_PROPERTY_SEED");
  const uint32_t seed = seed_env ? static_cast<uint32_t>(std::atoi(seed_env)) : 20261125u;
  SCOPED_TRACE("HERALD_PROPERTY_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);

  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start({.shards = 2});
  ASSERT_TRUE(broker.ok()) << broker.status();
  Cursor origin;
  for (int t = 0; t < kTopics; ++t) {
    absl::StatusOr<TopicInfo> info =
        (*broker)->CreateTopic({.name = TopicName(t), .retention = {.max_events = 1'000'000}});
    ASSERT_TRUE(info.ok());
    origin.Set(TopicName(t), info->epoch, 0);
  }

  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < kSubscribers; ++c) {
    std::vector<int> topics;
    for (int t = 0; t < kTopics; ++t) {
      if (rng() % 2) topics.push_back(t);
    }
    if (topics.empty()) topics.push_back(static_cast<int>(rng() % kTopics));
    clients.push_back(std::make_unique<Client>(topics));
  }
  auto subscribe = [&](Client& client, const std::string& from) {
    std::vector<std::string> topics;
    for (int t : client.topics()) topics.push_back(TopicName(t));
    auto handle = (*broker)->Subscribe(topics, from, client.Callback());
    ASSERT_TRUE(handle.ok()) << handle.status();
    client.handle = std::move(handle).value();
  };
  // Everyone starts from the beginning of every topic: the whole history is owed.
  const std::string from_origin = origin.Encode();
  for (auto& client : clients) subscribe(*client, from_origin);

  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      std::mt19937 local(seed + p + 1);
      for (int i = 0; i < kEventsPerPublisher; ++i) {
        const int topic = static_cast<int>(local() % kTopics);
        ASSERT_TRUE((*broker)
                        ->Publish({.topic = TopicName(topic),
                                   .data = std::to_string(p) + "/" + std::to_string(i)})
                        .ok());
      }
    });
  }
  for (int op = 0; op < kChurnOperations; ++op) {
    Client& client = *clients[rng() % clients.size()];
    client.handle.reset();
    const std::string cursor = client.cursor();
    subscribe(client, cursor.empty() ? from_origin : cursor);
  }
  for (auto& publisher : publishers) publisher.join();

  uint64_t last[kTopics];
  for (int t = 0; t < kTopics; ++t) last[t] = (*broker)->GetTopic(TopicName(t))->last_offset;
  ASSERT_EQ(last[0] + last[1] + last[2], uint64_t{kPublishers} * kEventsPerPublisher);
  for (auto& client : clients) {
    for (int t : client->topics()) {
      ASSERT_TRUE(WaitFor([&] { return client->count(t) >= last[t]; }, absl::Seconds(30)))
          << "a client has " << client->count(t) << " of " << last[t] << " events of topic " << t;
      const std::vector<uint64_t> offsets = client->offsets(t);
      ASSERT_EQ(offsets.size(), last[t]) << "duplicates delivered";
      for (uint64_t i = 0; i < offsets.size(); ++i) ASSERT_EQ(offsets[i], i + 1);
    }
  }
}

}  // namespace
}  // namespace herald
