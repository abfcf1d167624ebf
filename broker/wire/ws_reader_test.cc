#include "broker/wire/ws_reader.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/wire/ws_client_frames.h"
#include "gtest/gtest.h"

namespace herald::wire {
namespace {

struct Seen {
  WsOpcode opcode;
  std::string payload;
  uint16_t close_code;
};

struct Result {
  std::vector<Seen> seen;
  std::optional<WsViolation> violation;
};

// Feeds `bytes` in pieces of `step` bytes, as reads of a socket might split them.
Result Feed(WsReader& reader, std::string_view bytes, size_t step = 1 << 20) {
  Result result;
  while (!bytes.empty() && !result.violation) {
    const std::string_view piece = bytes.substr(0, step);
    bytes.remove_prefix(piece.size());
    result.violation = reader.Consume(piece, [&](const WsMessage& m) {
      result.seen.push_back({m.opcode, std::string(m.payload), m.close_code});
    });
  }
  return result;
}

WsReader Reader(bool deflate = false) {
  return WsReader({.max_message_bytes = 1024, .deflate = deflate});
}

TEST(WsReaderTest, TextMessagesOneByteAtATimeOrAllAtOnce) {
  const std::string bytes = ClientFrame({.opcode = kWsText, .payload = R"({"op":"ping"})"}) +
                            ClientFrame({.opcode = kWsText, .payload = std::string(300, 'x')});
  for (size_t step : {size_t{1}, size_t{7}, bytes.size()}) {
    WsReader reader = Reader();
    Result result = Feed(reader, bytes, step);
    ASSERT_FALSE(result.violation) << result.violation->reason;
    ASSERT_EQ(result.seen.size(), 2u) << "step " << step;
    EXPECT_EQ(result.seen[0].payload, R"({"op":"ping"})");
    EXPECT_EQ(result.seen[1].payload, std::string(300, 'x'));
  }
}

TEST(WsReaderTest, FragmentsJoinAndControlFramesMayComeBetweenThem) {
  WsReader reader = Reader();
  Result result = Feed(reader, ClientFrame({.opcode = kWsText, .payload = "hel", .fin = false}) +
                                   ClientFrame({.opcode = kWsPing, .payload = "between"}) +
                                   ClientFrame({.opcode = kWsContinuation, .payload = "lo"}));
  ASSERT_FALSE(result.violation);
  ASSERT_EQ(result.seen.size(), 2u);
  EXPECT_EQ(result.seen[0].opcode, WsOpcode::kPing);
  EXPECT_EQ(result.seen[0].payload, "between");
  EXPECT_EQ(result.seen[1].opcode, WsOpcode::kText);
  EXPECT_EQ(result.seen[1].payload, "hello");
}

TEST(WsReaderTest, AUtf8CharacterSplitAcrossFragmentsIsValid) {
  WsReader reader = Reader();
  Result result =
      Feed(reader, ClientFrame({.opcode = kWsText, .payload = "caf\xc3", .fin = false}) +
                       ClientFrame({.opcode = kWsContinuation, .payload = "\xa9"}));
  ASSERT_FALSE(result.violation);
  EXPECT_EQ(result.seen.at(0).payload, "caf\xc3\xa9");
}

TEST(WsReaderTest, BinaryPingAndPongAreReported) {
  WsReader reader = Reader();
  Result result =
      Feed(reader, ClientFrame({.opcode = kWsBinary, .payload = std::string("\0\1", 2)}) +
                       ClientFrame({.opcode = kWsPong, .payload = ""}));
  ASSERT_EQ(result.seen.size(), 2u);
  EXPECT_EQ(result.seen[0].opcode, WsOpcode::kBinary);
  EXPECT_EQ(result.seen[1].opcode, WsOpcode::kPong);
}

TEST(WsReaderTest, ACloseEndsTheReadingAndCarriesItsCodeAndReason) {
  WsReader reader = Reader();
  Result result =
      Feed(reader, ClientFrame({.opcode = kWsClose, .payload = ClosePayload(4999, "bye")}) +
                       ClientFrame({.opcode = kWsText, .payload = "ignored"}));
  ASSERT_FALSE(result.violation);
  ASSERT_EQ(result.seen.size(), 1u);
  EXPECT_EQ(result.seen[0].close_code, 4999);
  EXPECT_EQ(result.seen[0].payload, "bye");
  EXPECT_TRUE(reader.done());

  WsReader empty = Reader();
  EXPECT_EQ(Feed(empty, ClientFrame({.opcode = kWsClose})).seen.at(0).close_code, 0);
}

uint16_t ViolationCode(std::string_view bytes, bool deflate = false) {
  WsReader reader = Reader(deflate);
  Result result = Feed(reader, bytes);
  EXPECT_TRUE(result.violation) << "no violation for " << bytes.size() << " bytes";
  EXPECT_TRUE(reader.done());
  return result.violation ? result.violation->code : 0;
}

TEST(WsReaderTest, FramingViolationsAre1002) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .payload = "x", .masked = false})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .payload = "x", .rsv = 0x20})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .payload = "x", .rsv = kWsRsv1})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = 0x3, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = 0xb, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsPing, .payload = "x", .fin = false})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsPing, .payload = std::string(126, 'p')})),
            1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsContinuation, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .payload = "a", .fin = false}) +
                          ClientFrame({.opcode = kWsText, .payload = "b"})),
            1002);
  // 5 in the 16-bit form: not the shortest.
  EXPECT_EQ(ViolationCode(std::string("\x81\xfe\x00\x05\x00\x00\x00\x00hello", 13)), 1002);
}

TEST(WsReaderTest, CloseFramesAreChecked) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsClose, .payload = "\x03"})), 1002);
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsClose, .payload = ClosePayload(code)})), 1002)
        << code;
  }
  EXPECT_EQ(ViolationCode(ClientFrame(
                {.opcode = kWsClose, .payload = ClosePayload(1000, "bye \xed\xa0\x80 now")})),
            1007);
}

TEST(WsReaderTest, TextThatIsNotUtf8Is1007) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .payload = "\xff\xfe"})), 1007);
}

TEST(WsReaderTest, SizeLimitHolds_EvenForAHeaderThatOnlyDeclaresMore) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText, .length = uint64_t{1} << 40})), 1009);
  EXPECT_EQ(ViolationCode(
                ClientFrame({.opcode = kWsText, .payload = std::string(600, 'a'), .fin = false}) +
                ClientFrame({.opcode = kWsContinuation, .payload = std::string(600, 'a')})),
            1009);
  WsReader reader = Reader();
  EXPECT_FALSE(
      Feed(reader, ClientFrame({.opcode = kWsText, .payload = std::string(1024, 'a')})).violation);
}

TEST(WsReaderTest, CompressedMessagesInflateEachOnItsOwn) {
  WsReader reader = Reader(/*deflate=*/true);
  const std::string text = R"({"op":"subscribe","topic":"orders"})";
  const std::string compressed = DeflateMessage(text);
  Result result =
      Feed(reader, ClientFrame({.opcode = kWsText, .payload = compressed, .rsv = kWsRsv1}) +
                       ClientFrame({.opcode = kWsText,
                                    .payload = compressed.substr(0, 3),
                                    .fin = false,
                                    .rsv = kWsRsv1}) +
                       ClientFrame({.opcode = kWsContinuation, .payload = compressed.substr(3)}) +
                       ClientFrame({.opcode = kWsText, .payload = "plain"}));
  ASSERT_FALSE(result.violation) << result.violation->reason;
  ASSERT_EQ(result.seen.size(), 3u);
  EXPECT_EQ(result.seen[0].payload, text);
  EXPECT_EQ(result.seen[1].payload, text);
  EXPECT_EQ(result.seen[2].payload, "plain");
}

TEST(WsReaderTest, DeflateRulesAndABombAreViolations) {
  const std::string compressed = DeflateMessage("hello");
  EXPECT_EQ(
      ViolationCode(
          ClientFrame({.opcode = kWsText, .payload = compressed, .fin = false, .rsv = kWsRsv1}) +
              ClientFrame({.opcode = kWsContinuation, .payload = "x", .rsv = kWsRsv1}),
          /*deflate=*/true),
      1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsPing, .payload = "x", .rsv = kWsRsv1}), true),
            1002);
  // A few hundred bytes that inflate to a megabyte: past the 1 KiB limit.
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kWsText,
                                       .payload = DeflateMessage(std::string(1 << 20, 'a')),
                                       .rsv = kWsRsv1}),
                          true),
            1009);
  EXPECT_EQ(ViolationCode(
                ClientFrame({.opcode = kWsText, .payload = "\xff\xff\xff", .rsv = kWsRsv1}), true),
            1007);
}

}  // namespace
}  // namespace herald::wire
