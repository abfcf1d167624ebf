#include "broker/control/control_server.h"

#include <fstream>
#include <string>

#include "broker/core/clock.h"
#include "broker/engine/local/local_engine.h"
#include "broker/fanout/shard.h"
#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald::control {
namespace {

class ControlServerTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<ControlServer>> Start(ControlOptions options) {
    return ControlServer::Start(std::move(options), engine_, shards_, sessions_, metrics_,
                                SystemClock());
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  store::MemoryStore store_;
  engine::LocalEngine engine_{store_, SystemClock(), {}};
  fanout::ShardPool shards_{1};
  session::SessionRegistry sessions_{shards_, SystemClock(), {}};
  observe::Metrics metrics_;
};

TEST_F(ControlServerTest, EphemeralPortIsReportedAndShutdownIsIdempotent) {
  absl::StatusOr<std::unique_ptr<ControlServer>> server = Start({.port = 0});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
  (*server)->Shutdown();
  (*server)->Shutdown();
}

TEST_F(ControlServerTest, BusyPortIsUnavailableNamingTheAddress) {
  absl::StatusOr<std::unique_ptr<ControlServer>> first = Start({.port = 0});
  ASSERT_TRUE(first.ok()) << first.status();
  absl::Status second = Start({.port = (*first)->port()}).status();
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.message().find(std::to_string((*first)->port())), std::string::npos) << second;
}

TEST_F(ControlServerTest, RejectsBadOptionsSayingWhatToFix) {
  EXPECT_EQ(Start({.port = 70000}).status().code(), absl::StatusCode::kInvalidArgument);

  ControlOptions half_tls{.port = 0};
  half_tls.tls_cert_file = WriteFile("cert.pem", "x");
  absl::Status status = Start(half_tls).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("tls_key_file"), std::string::npos) << status;

  ControlOptions missing_files{.port = 0};
  missing_files.tls_cert_file = "/nonexistent/cert.pem";
  missing_files.tls_key_file = "/nonexistent/key.pem";
  status = Start(missing_files).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("/nonexistent/"), std::string::npos) << status;

  ControlOptions bad_keys{.port = 0};
  bad_keys.api_keys_file = WriteFile("keys", "admin admin-key-0123456789\nroot x\n");
  status = Start(bad_keys).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("line 2"), std::string::npos) << status;
  EXPECT_NE(status.message().find(bad_keys.api_keys_file), std::string::npos) << status;
}

}  // namespace
}  // namespace herald::control
