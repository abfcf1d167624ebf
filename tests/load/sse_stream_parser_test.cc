#include "tests/load/sse_stream_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace herald::load {
namespace {

struct Seen {
  std::string id, type, data;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> ParseInPieces(const std::string& stream, size_t piece) {
  std::vector<Seen> seen;
  SseStreamParser parser([&](const SseEvent& e) {
    seen.push_back({std::string(e.id), std::string(e.type), std::string(e.data)});
  });
  for (size_t i = 0; i < stream.size(); i += piece) {
    EXPECT_TRUE(parser.Feed(std::string_view(stream).substr(i, piece))) << parser.error();
  }
  return seen;
}

const std::vector<Seen> kExpected = {
    {"1", "message", "a\nb"}, {"2", "price", "x"}, {"2", "message", "crlf"}};

TEST(SseStreamParserTest, ChunkedBodySplitAtEveryPossiblePoint) {
  const std::string body =
      ": hi\n\nid: 1\ndata: a\ndata: b\n\nid: 2\nevent: price\ndata: x\r\n\r\ndata: crlf\r\r";
  std::string stream = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < body.size(); i += 7) {
    const std::string part = body.substr(i, 7);
    char size[16];
    snprintf(size, sizeof size, "%zx\r\n", part.size());
    stream += size + part + "\r\n";
  }
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    ASSERT_EQ(ParseInPieces(stream, piece), kExpected) << "piece " << piece;
  }
}

TEST(SseStreamParserTest, CloseDelimitedBody) {
  const std::string stream =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
      "id: 1\ndata: a\ndata: b\n\nid: 2\nevent: price\ndata: x\n\ndata: crlf\n\n";
  EXPECT_EQ(ParseInPieces(stream, 3), kExpected);
}

TEST(SseStreamParserTest, ErrorStatusAndBadChunksFail) {
  SseStreamParser not_found([](const SseEvent&) {});
  EXPECT_FALSE(not_found.Feed("HTTP/1.1 404 Not Found\r\n\r\n"));
  EXPECT_EQ(not_found.status(), 404);
  SseStreamParser bad_chunk([](const SseEvent&) {});
  EXPECT_FALSE(bad_chunk.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  SseStreamParser ended([](const SseEvent&) {});
  EXPECT_FALSE(ended.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
}

}  // namespace
}  // namespace herald::load
