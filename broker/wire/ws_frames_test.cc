#include "broker/wire/ws_frames.h"

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
  EXPECT_EQ(EncodeWsEvent("t", "c", "", "\xe2\x82\xac"),
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

}  // namespace
}  // namespace herald::wire
