#include "broker/core/cursor.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace herald {
namespace {

TEST(CursorTest, EncodeThenParseGivesTheSamePositions) {
  Cursor cursor;
  cursor.Set("orders", 7, 42);
  cursor.Set("prices/eu", 0xffffffffu, 0);
  absl::StatusOr<Cursor> parsed = Cursor::Parse(cursor.Encode());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, cursor);
  ASSERT_NE(parsed->Find("orders"), nullptr);
  EXPECT_EQ(parsed->Find("orders")->epoch, 7u);
  EXPECT_EQ(parsed->Find("orders")->offset, 42u);
  EXPECT_EQ(parsed->Find("missing"), nullptr);
}

TEST(CursorTest, SetReplacesTheTopicsEarlierPosition) {
  Cursor cursor;
  cursor.Set("a", 1, 1);
  cursor.Set("a", 1, 9);
  ASSERT_EQ(cursor.entries().size(), 1u);
  EXPECT_EQ(cursor.Find("a")->offset, 9u);
}

TEST(CursorTest, FourTopicsWithLargeOffsetsStayUnderOneHundredCharacters) {
  Cursor cursor;
  for (const char* topic : {"alpha", "beta", "gamma", "delta"}) {
    cursor.Set(topic, 0xfedcba98u, 10'000'000'000ull);
  }
  EXPECT_LT(cursor.Encode().size(), 100u) << cursor.Encode();
}

TEST(CursorTest, MaximumOffsetRoundTrips) {
  Cursor cursor;
  cursor.Set("t", 1, ~uint64_t{0});
  absl::StatusOr<Cursor> parsed = Cursor::Parse(cursor.Encode());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Find("t")->offset, ~uint64_t{0});
}

TEST(CursorTest, EncodedTextIsUrlAndHeaderSafe) {
  Cursor cursor;
  cursor.Set("x", 0xffffffffu, 0xffffffffffull);
  for (char c : cursor.Encode()) {
    EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
}

TEST(CursorTest, EmptyTextIsRejected) {
  absl::StatusOr<Cursor> parsed = Cursor::Parse("");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("empty"), std::string::npos);
}

TEST(CursorTest, GarbageIsRejectedWithAClearMessage) {
  for (const char* text : {"garbage", "!!!!", "0", "AAAA", "////", "a b"}) {
    absl::StatusOr<Cursor> parsed = Cursor::Parse(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(parsed.status().message().find("malformed cursor"), std::string::npos) << text;
  }
}

// One position has one id: the decoder's leniencies (whitespace, padding, stray low bits in
// the last character) are not cursors. Found by tests/fuzz:cursor_fuzz.
TEST(CursorTest, OnlyTheCanonicalTextParses) {
  Cursor cursor;
  cursor.Set("t", 3, 1234);
  const std::string text = cursor.Encode();
  ASSERT_TRUE(Cursor::Parse(text).ok());
  const std::string variants[] = {
      text.substr(0, 5) + "\n" + text.substr(5),
      text.substr(0, 5) + " " + text.substr(5),
      text + "=",
      text + "==",
  };
  for (const std::string& variant : variants) {
    absl::StatusOr<Cursor> parsed = Cursor::Parse(variant);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << variant;
    EXPECT_NE(parsed.status().message().find("base64url"), std::string::npos) << variant;
  }
  // The last character of a 19-character text carries 2 unused low bits.
  if (text.size() % 4 != 0) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string stray = text;
    stray.back() = kAlphabet[kAlphabet.find(text.back()) | 1];
    if (stray != text) EXPECT_FALSE(Cursor::Parse(stray).ok()) << stray;
  }
}

TEST(CursorTest, EveryOneCharacterEditIsRejected) {
  Cursor cursor;
  cursor.Set("orders", 123, 456);
  cursor.Set("fills", 9, 1);
  const std::string text = cursor.Encode();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c : alphabet) {
      if (c == text[i]) continue;
      std::string edited = text;
      edited[i] = c;
      absl::StatusOr<Cursor> parsed = Cursor::Parse(edited);
      // The last character carries only some bits; an edit there can decode identically.
      if (parsed.ok()) {
        EXPECT_EQ(*parsed, cursor) << edited;
      }
    }
  }
}

TEST(CursorTest, TruncationsAreRejected) {
  Cursor cursor;
  cursor.Set("orders", 123, 456);
  const std::string text = cursor.Encode();
  for (size_t n = 0; n < text.size() - 1; ++n) {
    EXPECT_FALSE(Cursor::Parse(text.substr(0, n)).ok()) << n;
  }
}

TEST(CursorTest, OverlongTextIsRejectedBeforeDecoding) {
  EXPECT_EQ(Cursor::Parse(std::string(5000, 'A')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CursorTest, RandomBytesNeverCrashAndAreAlmostAlwaysRejected) {
  std::mt19937 gen(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text(gen() % 40, '\0');
    for (char& c : text) c = static_cast<char>(gen());
    accepted += Cursor::Parse(text).ok();
  }
  EXPECT_EQ(accepted, 0);
}

TEST(TopicHashTest, IsStableAcrossBuilds) {
  // FNV-1a 32 of "orders": cursors made by one node must parse on every other.
  EXPECT_EQ(TopicHash("orders"), 0x325e96ecu);
  EXPECT_NE(TopicHash("a"), TopicHash("b"));
}

}  // namespace
}  // namespace herald
