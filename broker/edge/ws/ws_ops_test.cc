#include "broker/edge/ws/ws_ops.h"

#include "gtest/gtest.h"

namespace herald::edge::ws {
namespace {

TEST(ParseClientOpTest, ParsesSubscribeWithAndWithoutCursor) {
  absl::StatusOr<ClientOp> op = ParseClientOp(R"({"op":"subscribe","topic":"A"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->kind, ClientOp::Kind::kSubscribe);
  EXPECT_EQ(op->topic, "A");
  EXPECT_EQ(op->from, "");
  op = ParseClientOp(R"({"op":"subscribe","topic":"A","from":"AbC-_"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->from, "AbC-_");
}

TEST(ParseClientOpTest, ParsesUnsubscribeAndPublish) {
  absl::StatusOr<ClientOp> op = ParseClientOp(R"({"op":"unsubscribe","topic":"A"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->kind, ClientOp::Kind::kUnsubscribe);
  op = ParseClientOp(R"({"op":"publish","topic":"A","data":"h\u00e9\n","event":"e"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->kind, ClientOp::Kind::kPublish);
  EXPECT_EQ(op->data, "h\xc3\xa9\n");
  EXPECT_EQ(op->event, "e");
  EXPECT_EQ(op->ref, "");
  op = ParseClientOp(R"({"op":"publish","topic":"A","data":"x","ref":"p-1"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->ref, "p-1");
}

TEST(ParseClientOpTest, BadJsonAndMissingFieldsAreBadRequests) {
  for (const char* text :
       {"", "{", "[1]", "\"op\"", R"({"topic":"A"})", R"({"op":5})", R"({"op":"subscribe"})",
        R"({"op":"subscribe","topic":1})", R"({"op":"subscribe","topic":"A","from":7})",
        R"({"op":"publish","topic":"A"})", R"({"op":"publish","topic":"A","data":"x","ref":1})"}) {
    absl::StatusOr<ClientOp> op = ParseClientOp(text);
    ASSERT_FALSE(op.ok()) << text;
    EXPECT_EQ(WsErrorCode(op.status()), "bad_request") << text << ": " << op.status();
  }
}

TEST(ParseClientOpTest, PingNeedsNoTopic) {
  absl::StatusOr<ClientOp> op = ParseClientOp(R"({"op":"ping"})");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->kind, ClientOp::Kind::kPing);
}

TEST(ParseClientOpTest, UnknownOpIsNamed) {
  absl::StatusOr<ClientOp> op = ParseClientOp(R"({"op":"fly","topic":"A"})");
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(WsErrorCode(op.status()), "unknown_op");
  EXPECT_NE(op.status().message().find("fly"), absl::string_view::npos);
}

TEST(WsErrorCodeTest, MapsStatusCodes) {
  EXPECT_EQ(WsErrorCode(absl::NotFoundError("x")), "not_found");
  EXPECT_EQ(WsErrorCode(absl::PermissionDeniedError("x")), "permission_denied");
  EXPECT_EQ(WsErrorCode(absl::AlreadyExistsError("x")), "already_subscribed");
  EXPECT_EQ(WsErrorCode(absl::ResourceExhaustedError("x")), "resource_exhausted");
  EXPECT_EQ(WsErrorCode(absl::InternalError("x")), "internal");
}

}  // namespace
}  // namespace herald::edge::ws
