#include "broker/wire/ws_frames.h"

#include <zlib.h>

#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::wire {
namespace {

TEST(EncodeWsEventTest, WritesTheContractFields) {
  EXPECT_EQ(EncodeWsEvent("t", "c1", "ev", "hello"),
            R"({"op":"event","topic":"t","id":"c1","event":"ev","data":"hello"})");
}

TEST(EncodeWsEventTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(EncodeWsEvent("t", "c", "", std::string("\"\\\n\x01", 4)),
            R"({"op":"event","topic":"t","id":"c","event":"","data":"\"\\\n\u0001"})");
}

TEST(EncodeWsEventTest, BinaryDataGoesToDataB64) {
  EXPECT_EQ(EncodeWsEvent("t", "c", "", "\xff"),
            R"({"op":"event","topic":"t","id":"c","event":"","data_b64":"/w=="})");
}

TEST(EncodeWsEventTest, Utf8IsKeptAsIs) {
  EXPECT_EQ(
      EncodeWsEvent("t", "c", "", "\xe2\x82\xac"),
      "{\"op\":\"event\",\"topic\":\"t\",\"id\":\"c\",\"event\":\"\",\"data\":\"\xe2\x82\xac\"}");
}

TEST(EncodeWsControlFramesTest, SubscribedAndError) {
  EXPECT_EQ(EncodeWsSubscribed("t", "c"), R"({"op":"subscribed","topic":"t","cursor":"c"})");
  EXPECT_EQ(EncodeWsError("not_found", "topic 't' not found", "t"),
            R"({"op":"error","code":"not_found","message":"topic 't' not found","topic":"t"})");
  EXPECT_EQ(EncodeWsError("bad_json", "x"), R"({"op":"error","code":"bad_json","message":"x"})");
  EXPECT_EQ(EncodeWsError("herald.reset", "m", "t", "c9"),
            R"({"op":"error","code":"herald.reset","message":"m","topic":"t","id":"c9"})");
}

TEST(EncodeWsControlFramesTest, Pong) { EXPECT_EQ(EncodeWsPong(), R"({"op":"pong"})"); }

TEST(EncodeWsControlFramesTest, PublishAnswersEchoTheRef) {
  EXPECT_EQ(EncodeWsPublished("t", "c3", 3, "p\"1"),
            R"({"op":"published","topic":"t","id":"c3","offset":3,"ref":"p\"1"})");
  EXPECT_EQ(EncodeWsError("permission_denied", "m", "t", "", "7"),
            R"({"op":"error","code":"permission_denied","message":"m","topic":"t","ref":"7"})");
}

TEST(FrameWsTextTest, ShortTextTakesTheSevenBitLength) {
  const std::string frame = FrameWsText("hi");
  EXPECT_EQ(frame, std::string("\x81\x02hi", 4));
  EXPECT_EQ(WsFrameHeaderSize(frame), 2u);
}

TEST(FrameWsTextTest, LengthsPastTheSevenAndSixteenBitLimits) {
  struct Case {
    size_t size;
    std::string header;
  };
  const Case cases[] = {
      {125, std::string("\x81\x7d", 2)},
      {126, std::string("\x81\x7e\x00\x7e", 4)},
      {65535, std::string("\x81\x7e\xff\xff", 4)},
      {65536, std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)},
  };
  for (const Case& c : cases) {
    const std::string text(c.size, 'x');
    const std::string frame = FrameWsText(text);
    ASSERT_EQ(WsFrameHeaderSize(frame), c.header.size()) << c.size;
    EXPECT_EQ(frame.substr(0, c.header.size()), c.header) << c.size;
    EXPECT_EQ(frame.substr(c.header.size()), text) << c.size;
  }
}

// What a browser does with a compressed message: append 00 00 ff ff, raw-inflate with the
// negotiated window, alone (server_no_context_takeover).
std::string Inflate(std::string_view payload) {
  std::string input(payload);
  input.append("\0\0\xff\xff", 4);
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, -kWsDeflateWindowBits), Z_OK);
  std::string out(64 << 10, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_SYNC_FLUSH), Z_OK);
  out.resize(out.size() - stream.avail_out);
  inflateEnd(&stream);
  return out;
}

TEST(FrameWsDeflatedTextTest, EachMessageInflatesOnItsOwnAndIsSmallerThanItsText) {
  std::string json = R"({"op":"event","topic":"orders","id":"x","data":")";
  for (int i = 0; i < 40; ++i) json += R"({\"price\":42,\"qty\":7},)";
  json += R"("})";
  // Twice: the second message must not depend on the first (no context taken over).
  for (int round = 0; round < 2; ++round) {
    std::optional<std::string> frame = FrameWsDeflatedText(json);
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(static_cast<uint8_t>((*frame)[0]), 0xc1) << "FIN, RSV1, text";
    const std::string_view payload = std::string_view(*frame).substr(WsFrameHeaderSize(*frame));
    EXPECT_LT(payload.size(), json.size() / 3);
    EXPECT_EQ(Inflate(payload), json);
  }
}

TEST(WsPingFrameTest, IsAnEmptyPing) { EXPECT_EQ(WsPingFrame(), std::string("\x89\x00", 2)); }

TEST(WsPongFrameTest, EchoesThePingPayload) {
  EXPECT_EQ(WsPongFrame("abc"), std::string("\x8a\x03"
                                            "abc",
                                            5));
}

TEST(WsCloseFrameTest, CodeInNetworkOrderThenTheReason) {
  EXPECT_EQ(WsCloseFrame(1012, "bye"), std::string("\x88\x05\x03\xf4"
                                                   "bye",
                                                   7));
  EXPECT_EQ(WsCloseFrame(0, "ignored"), std::string("\x88\x00", 2));
}

TEST(WsCloseFrameTest, ALongReasonIsCutToValidUtf8WithinAControlFrame) {
  // 62 two-byte characters: 124 bytes, one past the room a close frame leaves.
  std::string reason;
  for (int i = 0; i < 62; ++i) reason += "\xc3\xa9";
  const std::string frame = WsCloseFrame(1008, reason);
  ASSERT_EQ(static_cast<uint8_t>(frame[1]), 2 + 122);
  EXPECT_EQ(frame.substr(4), reason.substr(0, 122));
}

TEST(TakeServerFrameTest, ReadsBackEveryLengthFormAndWaitsForAWholeFrame) {
  for (size_t size : {size_t{5}, size_t{300}, size_t{70000}}) {
    const std::string text(size, 't');
    const std::string frame = FrameWsText(text);
    const std::string received = frame + "next";
    std::optional<ServerFrame> taken = TakeServerFrame(received);
    ASSERT_TRUE(taken) << size;
    EXPECT_EQ(taken->opcode, kWsText);
    EXPECT_TRUE(taken->fin);
    EXPECT_FALSE(taken->compressed);
    EXPECT_EQ(taken->payload, text);
    EXPECT_EQ(taken->size, frame.size());
    EXPECT_FALSE(TakeServerFrame(std::string_view(frame).substr(0, frame.size() - 1))) << size;
  }
  EXPECT_FALSE(TakeServerFrame("\x81"));
}

}  // namespace
}  // namespace herald::wire
