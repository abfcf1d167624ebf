// YAML for heraldctl's -o yaml: a google.protobuf.Value (a message's JSON form, as protobuf
// maps messages to JSON) as a block-style YAML document.
//
//   google::protobuf::Value value;
//   (void)google::protobuf::util::JsonStringToMessage(R"({"name":"orders","epoch":1})", &value);
//   std::cout << ValueToYaml(value);   // "epoch: 1\nname: orders\n"
//
// Keys come out sorted: google.protobuf.Struct keeps no order. A string is written plain only
// when YAML reads it back as that same string (not as a number, bool, null or date);
// otherwise it is double-quoted with JSON's escapes, which YAML shares.
#ifndef HERALD_ADMIN_YAML_H_
#define HERALD_ADMIN_YAML_H_

#include <string>

#include "google/protobuf/struct.pb.h"

namespace herald::admin {

// The document's lines, each ending in '\n'.
std::string ValueToYaml(const google::protobuf::Value& value);

}  // namespace herald::admin

#endif  // HERALD_ADMIN_YAML_H_
