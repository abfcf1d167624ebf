#include "broker/wire/ws_reader.h"

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace herald::wire {
namespace {

constexpr uint8_t kText = 0x1;
constexpr uint8_t kContinuation = 0x0;
constexpr uint8_t kBinary = 0x2;
constexpr uint8_t kClose = 0x8;
constexpr uint8_t kPing = 0x9;
constexpr uint8_t kPong = 0xa;
constexpr uint8_t kRsv1 = 0x40;

struct FrameSpec {
  uint8_t opcode;
  std::string payload;
  bool fin = true;
  uint8_t rsv = 0;
  bool masked = true;
  // A declared length other than the payload's (for headers sent without their payload).
  std::optional<uint64_t> length;
};

// A client frame as a browser sends it: masked, with the shortest length encoding.
std::string ClientFrame(const FrameSpec& spec) {
  std::string frame;
  frame.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | spec.rsv | spec.opcode));
  const uint64_t length = spec.length.value_or(spec.payload.size());
  const char mask_bit = spec.masked ? '\x80' : '\0';
  if (length <= 125) {
    frame.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xffff) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(length >> 8));
    frame.push_back(static_cast<char>(length & 0xff));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) frame.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  }
  const char mask[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (spec.masked) frame.append(mask, 4);
  for (size_t i = 0; i < spec.payload.size(); ++i) {
    frame.push_back(spec.masked ? static_cast<char>(spec.payload[i] ^ mask[i % 4])
                                : spec.payload[i]);
  }
  return frame;
}

std::string ClosePayload(uint16_t code, std::string_view reason = "") {
  std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  payload.append(reason);
  return payload;
}

// Raw deflate sync-flushed without its 00 00 ff ff, as RFC 7692 senders frame a message.
std::string Compress(std::string_view text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_SYNC_FLUSH), Z_OK);
  out.resize(out.size() - stream.avail_out - 4);
  deflateEnd(&stream);
  return out;
}

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
  const std::string bytes = ClientFrame({.opcode = kText, .payload = R"({"op":"ping"})"}) +
                            ClientFrame({.opcode = kText, .payload = std::string(300, 'x')});
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
  Result result = Feed(reader, ClientFrame({.opcode = kText, .payload = "hel", .fin = false}) +
                                   ClientFrame({.opcode = kPing, .payload = "between"}) +
                                   ClientFrame({.opcode = kContinuation, .payload = "lo"}));
  ASSERT_FALSE(result.violation);
  ASSERT_EQ(result.seen.size(), 2u);
  EXPECT_EQ(result.seen[0].opcode, WsOpcode::kPing);
  EXPECT_EQ(result.seen[0].payload, "between");
  EXPECT_EQ(result.seen[1].opcode, WsOpcode::kText);
  EXPECT_EQ(result.seen[1].payload, "hello");
}

TEST(WsReaderTest, AUtf8CharacterSplitAcrossFragmentsIsValid) {
  WsReader reader = Reader();
  Result result = Feed(reader, ClientFrame({.opcode = kText, .payload = "caf\xc3", .fin = false}) +
                                   ClientFrame({.opcode = kContinuation, .payload = "\xa9"}));
  ASSERT_FALSE(result.violation);
  EXPECT_EQ(result.seen.at(0).payload, "caf\xc3\xa9");
}

TEST(WsReaderTest, BinaryPingAndPongAreReported) {
  WsReader reader = Reader();
  Result result = Feed(reader, ClientFrame({.opcode = kBinary, .payload = std::string("\0\1", 2)}) +
                                   ClientFrame({.opcode = kPong, .payload = ""}));
  ASSERT_EQ(result.seen.size(), 2u);
  EXPECT_EQ(result.seen[0].opcode, WsOpcode::kBinary);
  EXPECT_EQ(result.seen[1].opcode, WsOpcode::kPong);
}

TEST(WsReaderTest, ACloseEndsTheReadingAndCarriesItsCodeAndReason) {
  WsReader reader = Reader();
  Result result =
      Feed(reader, ClientFrame({.opcode = kClose, .payload = ClosePayload(4999, "bye")}) +
                       ClientFrame({.opcode = kText, .payload = "ignored"}));
  ASSERT_FALSE(result.violation);
  ASSERT_EQ(result.seen.size(), 1u);
  EXPECT_EQ(result.seen[0].close_code, 4999);
  EXPECT_EQ(result.seen[0].payload, "bye");
  EXPECT_TRUE(reader.done());

  WsReader empty = Reader();
  EXPECT_EQ(Feed(empty, ClientFrame({.opcode = kClose})).seen.at(0).close_code, 0);
}

uint16_t ViolationCode(std::string_view bytes, bool deflate = false) {
  WsReader reader = Reader(deflate);
  Result result = Feed(reader, bytes);
  EXPECT_TRUE(result.violation) << "no violation for " << bytes.size() << " bytes";
  EXPECT_TRUE(reader.done());
  return result.violation ? result.violation->code : 0;
}

TEST(WsReaderTest, FramingViolationsAre1002) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .payload = "x", .masked = false})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .payload = "x", .rsv = 0x20})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .payload = "x", .rsv = kRsv1})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = 0x3, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = 0xb, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kPing, .payload = "x", .fin = false})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kPing, .payload = std::string(126, 'p')})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kContinuation, .payload = "x"})), 1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .payload = "a", .fin = false}) +
                          ClientFrame({.opcode = kText, .payload = "b"})),
            1002);
  // 5 in the 16-bit form: not the shortest.
  EXPECT_EQ(ViolationCode(std::string("\x81\xfe\x00\x05\x00\x00\x00\x00hello", 13)), 1002);
}

TEST(WsReaderTest, CloseFramesAreChecked) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kClose, .payload = "\x03"})), 1002);
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kClose, .payload = ClosePayload(code)})), 1002)
        << code;
  }
  EXPECT_EQ(ViolationCode(ClientFrame(
                {.opcode = kClose, .payload = ClosePayload(1000, "bye \xed\xa0\x80 now")})),
            1007);
}

TEST(WsReaderTest, TextThatIsNotUtf8Is1007) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .payload = "\xff\xfe"})), 1007);
}

TEST(WsReaderTest, SizeLimitHolds_EvenForAHeaderThatOnlyDeclaresMore) {
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText, .length = uint64_t{1} << 40})), 1009);
  EXPECT_EQ(
      ViolationCode(ClientFrame({.opcode = kText, .payload = std::string(600, 'a'), .fin = false}) +
                    ClientFrame({.opcode = kContinuation, .payload = std::string(600, 'a')})),
      1009);
  WsReader reader = Reader();
  EXPECT_FALSE(
      Feed(reader, ClientFrame({.opcode = kText, .payload = std::string(1024, 'a')})).violation);
}

TEST(WsReaderTest, CompressedMessagesInflateEachOnItsOwn) {
  WsReader reader = Reader(/*deflate=*/true);
  const std::string text = R"({"op":"subscribe","topic":"orders"})";
  const std::string compressed = Compress(text);
  Result result = Feed(
      reader,
      ClientFrame({.opcode = kText, .payload = compressed, .rsv = kRsv1}) +
          ClientFrame(
              {.opcode = kText, .payload = compressed.substr(0, 3), .fin = false, .rsv = kRsv1}) +
          ClientFrame({.opcode = kContinuation, .payload = compressed.substr(3)}) +
          ClientFrame({.opcode = kText, .payload = "plain"}));
  ASSERT_FALSE(result.violation) << result.violation->reason;
  ASSERT_EQ(result.seen.size(), 3u);
  EXPECT_EQ(result.seen[0].payload, text);
  EXPECT_EQ(result.seen[1].payload, text);
  EXPECT_EQ(result.seen[2].payload, "plain");
}

TEST(WsReaderTest, DeflateRulesAndABombAreViolations) {
  const std::string compressed = Compress("hello");
  EXPECT_EQ(ViolationCode(
                ClientFrame({.opcode = kText, .payload = compressed, .fin = false, .rsv = kRsv1}) +
                    ClientFrame({.opcode = kContinuation, .payload = "x", .rsv = kRsv1}),
                /*deflate=*/true),
            1002);
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kPing, .payload = "x", .rsv = kRsv1}), true),
            1002);
  // A few hundred bytes that inflate to a megabyte: past the 1 KiB limit.
  EXPECT_EQ(ViolationCode(ClientFrame({.opcode = kText,
                                       .payload = Compress(std::string(1 << 20, 'a')),
                                       .rsv = kRsv1}),
                          true),
            1009);
  EXPECT_EQ(
      ViolationCode(ClientFrame({.opcode = kText, .payload = "\xff\xff\xff", .rsv = kRsv1}), true),
      1007);
}

}  // namespace
}  // namespace herald::wire
