#include "admin/yaml.h"

#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace herald::admin {
namespace {

std::string Yaml(const std::string& json) {
  google::protobuf::Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok()) << json;
  return ValueToYaml(value);
}

TEST(YamlTest, WritesMappingsWithSortedKeysAndNestedBlocks) {
  EXPECT_EQ(Yaml(R"({"name":"orders","retention":{"max_events":"100","max_age":"3600s"},
                     "epoch":1,"allow_browser_publish":false})"),
            "allow_browser_publish: false\n"
            "epoch: 1\n"
            "name: orders\n"
            "retention:\n"
            "  max_age: \"3600s\"\n"
            "  max_events: \"100\"\n");
}

TEST(YamlTest, PutsASequenceItemsFirstKeyOnTheDashLine) {
  EXPECT_EQ(Yaml(R"({"topics":[{"name":"a","epoch":1},{"name":"b","epoch":2}],"next":""})"),
            "next: \"\"\n"
            "topics:\n"
            "  - epoch: 1\n"
            "    name: a\n"
            "  - epoch: 2\n"
            "    name: b\n");
  EXPECT_EQ(Yaml(R"([["a","b"],[]])"),
            "- - a\n"
            "  - b\n"
            "- []\n");
}

TEST(YamlTest, QuotesStringsThatWouldReadAsSomethingElse) {
  EXPECT_EQ(Yaml(R"(["y"])"), "- \"y\"\n");
  EXPECT_EQ(Yaml(R"({"a":"true","b":"No","c":"12","d":"2024-01-01T00:00:00Z","e":"null",
                     "f":"news.*","g":"- x","h":"a: b","i":"#c","j":""})"),
            "a: \"true\"\n"
            "b: \"No\"\n"
            "c: \"12\"\n"
            "d: \"2024-01-01T00:00:00Z\"\n"
            "e: \"null\"\n"
            "f: \"news.*\"\n"
            "g: \"- x\"\n"
            "h: \"a: b\"\n"
            "i: \"#c\"\n"
            "j: \"\"\n");
}

TEST(YamlTest, EscapesControlCharactersAndQuotesAsJsonDoes) {
  EXPECT_EQ(Yaml(R"({"data":"line\none \"quoted\"\u0001\\"})"),
            "data: \"line\\none \\\"quoted\\\"\\u0001\\\\\"\n");
}

TEST(YamlTest, WritesScalarsAndEmptyContainersInline) {
  EXPECT_EQ(Yaml(R"({"rate":0.5,"none":null,"empty":{},"list":[],"on":true})"),
            "empty: {}\n"
            "list: []\n"
            "none: null\n"
            "\"on\": true\n"
            "rate: 0.5\n");
  EXPECT_EQ(Yaml(R"("plain")"), "plain\n");
}

}  // namespace
}  // namespace herald::admin
