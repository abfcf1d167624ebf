#include "broker/control/connection_registry.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace herald::control {
namespace {

TEST(ConnectionRegistryTest, ListsFiltersAndCountsConnections) {
  ConnectionRegistry registry;
  std::atomic<uint64_t> events{7};
  const std::string a = registry.Register(
      {.transport = "grpc", .kind = "subscribe", .topics = {"orders", "users"}}, [](auto&) {},
      &events);
  const std::string b = registry.Register(
      {.transport = "sse", .topics = {"users"}}, [](auto&) {}, nullptr);

  std::vector<ConnectionSnapshot> all = registry.List("", "");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a);
  EXPECT_EQ(all[0].events, 7u);
  EXPECT_EQ(registry.List("orders", "").size(), 1u);
  EXPECT_EQ(registry.List("users", "sse").size(), 1u);
  EXPECT_EQ(registry.List("users", "sse")[0].id, b);
  EXPECT_EQ(registry.CountByTransport(),
            (std::map<std::string, uint64_t>{{"grpc", 1}, {"sse", 1}}));

  registry.Unregister(a);
  EXPECT_EQ(registry.List("", "").size(), 1u);
}

TEST(ConnectionRegistryTest, DisconnectReachesTheConnectionOrSaysNotFound) {
  ConnectionRegistry registry;
  std::vector<std::string> reasons;
  const std::string id = registry.Register(
      {.transport = "grpc"}, [&](const absl::Status& why) { reasons.emplace_back(why.message()); },
      nullptr);
  EXPECT_TRUE(registry.Disconnect(id, absl::UnavailableError("bye")).ok());
  EXPECT_EQ(reasons, std::vector<std::string>{"bye"});
  EXPECT_EQ(registry.Disconnect("c99999999", absl::UnavailableError("x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(registry.DisconnectAll(absl::UnavailableError("drain")), 1u);
  EXPECT_EQ(reasons.size(), 2u);
  registry.Unregister(id);
  EXPECT_EQ(registry.DisconnectAll(absl::UnavailableError("drain")), 0u);
}

}  // namespace
}  // namespace herald::control
