#include "tests/load/permessage_deflate.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace herald::load {
namespace {

// A server's compressor: raw DEFLATE, each message sync-flushed and sent without the flush's
// 00 00 ff ff tail (RFC 7692 7.2.1), optionally reset after each message.
class ServerDeflater {
 public:
  ServerDeflater(int window_bits, bool no_context_takeover)
      : no_context_takeover_(no_context_takeover) {
    deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY);
  }
  ~ServerDeflater() { deflateEnd(&stream_); }

  // `final`: end the message with a BFINAL block instead of a sync flush, as RFC 7692 7.2.3.1
  // allows.
  std::string Compress(const std::string& text, bool final = false) {
    std::string out(text.size() + 64, '\0');
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream_.avail_in = static_cast<uInt>(text.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out.data());
    stream_.avail_out = static_cast<uInt>(out.size());
    deflate(&stream_, final ? Z_FINISH : Z_SYNC_FLUSH);
    out.resize(out.size() - stream_.avail_out);
    if (final || no_context_takeover_) deflateReset(&stream_);
    if (!final) {
      EXPECT_EQ(out.substr(out.size() - 4), std::string("\x00\x00\xff\xff", 4));
      out.resize(out.size() - 4);
    }
    return out;
  }

 private:
  z_stream stream_{};
  bool no_context_takeover_;
};

const std::vector<std::string> kMessages = {
    R"({"op":"event","topic":"load","id":"AAAB","data":"{\"seq\":1,\"sku\":\"SKU-00001\"}"})",
    R"({"op":"event","topic":"load","id":"AAAC","data":"{\"seq\":2,\"sku\":\"SKU-00002\"}"})",
    R"({"op":"event","topic":"load","id":"AAAD","data":"{\"seq\":3,\"sku\":\"SKU-00003\"}"})",
};

TEST(ParseDeflateResponseTest, ReadsBeastsAnswerToChromiumsOffer) {
  const DeflateResponse r = ParseDeflateResponse(
      "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10");
  EXPECT_TRUE(r.accepted);
  EXPECT_FALSE(r.server_no_context_takeover);
  EXPECT_EQ(r.server_max_window_bits, 10);
}

TEST(ParseDeflateResponseTest, ReadsNoContextTakeoverAndQuotedBits) {
  const DeflateResponse r = ParseDeflateResponse(
      "x-unknown, permessage-deflate;server_no_context_takeover ; server_max_window_bits=\"12\"");
  EXPECT_TRUE(r.accepted);
  EXPECT_TRUE(r.server_no_context_takeover);
  EXPECT_EQ(r.server_max_window_bits, 12);
}

TEST(ParseDeflateResponseTest, DefaultsToAFullWindow) {
  EXPECT_EQ(ParseDeflateResponse("permessage-deflate").server_max_window_bits, 15);
}

TEST(ParseDeflateResponseTest, RejectsAbsentOrOtherOrBadWindow) {
  EXPECT_FALSE(ParseDeflateResponse("").accepted);
  EXPECT_FALSE(ParseDeflateResponse("x-webkit-deflate-frame").accepted);
  EXPECT_FALSE(ParseDeflateResponse("permessage-deflate; server_max_window_bits=16").accepted);
  EXPECT_FALSE(ParseDeflateResponse("permessage-deflate; server_max_window_bits=1x").accepted);
}

TEST(MessageInflaterTest, KeepsContextAcrossMessagesWhenTheServerDoes) {
  ServerDeflater server(10, false);
  MessageInflater inflater(10, false);
  std::string text;
  for (const std::string& message : kMessages) {
    ASSERT_TRUE(inflater.Inflate(server.Compress(message), text));
    EXPECT_EQ(text, message);
  }
}

TEST(MessageInflaterTest, LaterMessagesNeedTheEarlierOnesUnderContextTakeover) {
  ServerDeflater server(15, false);
  server.Compress(kMessages[0]);
  const std::string second = server.Compress(kMessages[1]);
  MessageInflater fresh(15, false);
  std::string text;
  EXPECT_FALSE(fresh.Inflate(second, text) && text == kMessages[1]);
}

TEST(MessageInflaterTest, InflatesEachMessageAloneWithoutContextTakeover) {
  ServerDeflater server(15, true);
  std::vector<std::string> compressed;
  for (const std::string& message : kMessages) compressed.push_back(server.Compress(message));
  MessageInflater inflater(15, true);
  std::string text;
  // Out of order, and twice: what a shared pre-compressed frame must survive.
  for (size_t i : {2, 0, 1, 1}) {
    ASSERT_TRUE(inflater.Inflate(compressed[i], text));
    EXPECT_EQ(text, kMessages[i]);
  }
}

TEST(MessageInflaterTest, StartsANewStreamAfterAFinalBlock) {
  ServerDeflater server(15, false);
  MessageInflater inflater(15, false);
  std::string text;
  ASSERT_TRUE(inflater.Inflate(server.Compress(kMessages[0], /*final=*/true), text));
  EXPECT_EQ(text, kMessages[0]);
  ASSERT_TRUE(inflater.Inflate(server.Compress(kMessages[1]), text));
  EXPECT_EQ(text, kMessages[1]);
}

TEST(MessageInflaterTest, InflatesAMessageManyTimesItsCompressedSize) {
  const std::string large(256 * 1024, 'a');
  ServerDeflater server(15, false);
  MessageInflater inflater(15, false);
  std::string text;
  ASSERT_TRUE(inflater.Inflate(server.Compress(large), text));
  EXPECT_EQ(text, large);
}

TEST(MessageInflaterTest, RejectsDataThatIsNotDeflate) {
  MessageInflater inflater(15, false);
  std::string text;
  EXPECT_FALSE(inflater.Inflate("\xff\xff\xff\xff not deflate", text));
}

}  // namespace
}  // namespace herald::load
