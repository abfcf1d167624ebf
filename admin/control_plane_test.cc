#include "admin/control_plane.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace herald::admin {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

Context Dev() {
  Context context;
  context.set_server("dev.example:50051");
  context.set_tls_ca("/ca.pem");
  context.set_api_key_file(WriteFile("dev-key", "dev-key-0123\n"));
  return context;
}

TEST(ControlPlaneTest, DefaultsWithoutFlagsOrContext) {
  absl::StatusOr<ConnectionSettings> settings = ResolveConnection({}, nullptr);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->server, "127.0.0.1:50051");
  EXPECT_EQ(settings->api_key, "");
  EXPECT_FALSE(settings->tls);
  EXPECT_EQ(settings->timeout, absl::Seconds(5));
}

TEST(ControlPlaneTest, TheContextFillsWhatNoFlagGives) {
  const Context dev = Dev();
  absl::StatusOr<ConnectionSettings> settings = ResolveConnection({}, &dev);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->server, "dev.example:50051");
  EXPECT_EQ(settings->api_key, "dev-key-0123") << "the line break is not part of the key";
  EXPECT_TRUE(settings->tls) << "a CA implies TLS";
  EXPECT_EQ(settings->tls_ca, "/ca.pem");
}

TEST(ControlPlaneTest, FlagsOverrideTheContext) {
  const Context dev = Dev();
  ConnectionFlags flags;
  flags.server = "other:1";
  flags.token = "flag-key";
  flags.tls = false;
  flags.timeout = "2s";
  absl::StatusOr<ConnectionSettings> settings = ResolveConnection(flags, &dev);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->server, "other:1");
  EXPECT_EQ(settings->api_key, "flag-key");
  EXPECT_FALSE(settings->tls);
  EXPECT_EQ(settings->timeout, absl::Seconds(2));

  ConnectionFlags no_key;
  no_key.token = "";
  EXPECT_EQ(ResolveConnection(no_key, &dev)->api_key, "") << "--token= sends no key";

  ConnectionFlags key_file;
  key_file.api_key_file = WriteFile("flag-key", "from-file");
  EXPECT_EQ(ResolveConnection(key_file, &dev)->api_key, "from-file");
}

TEST(ControlPlaneTest, RefusesHalfOfMutualTlsABadTimeoutAndAMissingKeyFile) {
  ConnectionFlags cert_only;
  cert_only.tls_cert = "/cert.pem";
  EXPECT_EQ(ResolveConnection(cert_only, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  ConnectionFlags timeout;
  timeout.timeout = "soon";
  EXPECT_EQ(ResolveConnection(timeout, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  Context missing;
  missing.set_api_key_file("/no/such/key");
  absl::Status status = ResolveConnection({}, &missing).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("/no/such/key"), std::string::npos) << status;
}

TEST(ControlPlaneTest, ReportsAnUnreachableServerWithWhereItLooked) {
  ConnectionSettings settings;
  settings.server = "127.0.0.1:1";
  absl::StatusOr<std::unique_ptr<ControlPlane>> plane = ControlPlane::Open(settings);
  ASSERT_TRUE(plane.ok()) << plane.status();
  Failure failure = (*plane)->FromStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"));
  EXPECT_EQ(failure.code, "UNAVAILABLE");
  EXPECT_NE(failure.message.find("cannot reach the Herald control plane at 127.0.0.1:1"),
            std::string::npos);
  Failure server = (*plane)->FromStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "no topic"));
  EXPECT_EQ(server.code, "NOT_FOUND");
  EXPECT_EQ(server.message, "no topic");
}

}  // namespace
}  // namespace herald::admin
