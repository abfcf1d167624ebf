#include "admin/yaml.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "google/protobuf/util/json_util.h"

namespace herald::admin {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// Words YAML 1.1 readers (PyYAML among them) take for booleans or null.
constexpr std::array<std::string_view, 9> kReservedWords = {"y",     "n",  "yes", "no",  "true",
                                                            "false", "on", "off", "null"};

bool IsPlainChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
         c == '-';
}

// Plain when it starts with a letter, '_' or '/' (so it cannot read as a number, a date or an
// indicator such as '-' or '*') and holds no character with a meaning in YAML.
bool IsPlain(std::string_view s) {
  if (s.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(s.front());
  if (!absl::ascii_isalpha(first) && first != '_' && first != '/') return false;
  if (!std::all_of(s.begin(), s.end(), IsPlainChar)) return false;
  return std::find(kReservedWords.begin(), kReservedWords.end(),
                   absl::AsciiStrToLower(std::string(s))) == kReservedWords.end();
}

// Numbers, and strings that need quoting, written as JSON writes them.
std::string Json(const Value& value) {
  std::string out;
  // Cannot fail: a Value that holds a number or a string always has a JSON form.
  (void)google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

std::string String(std::string_view s) {
  if (IsPlain(s)) return std::string(s);
  Value value;
  value.set_string_value(std::string(s));
  return Json(value);
}

bool IsBlock(const Value& value) {
  return (value.has_struct_value() && !value.struct_value().fields().empty()) ||
         (value.has_list_value() && !value.list_value().values().empty());
}

// A value that fits on its key's or dash's line: a scalar, {} or [].
std::string Inline(const Value& value) {
  switch (value.kind_case()) {
    case Value::kStringValue:
      return String(value.string_value());
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case Value::kNumberValue:
      return Json(value);
    case Value::kStructValue:
      return "{}";
    case Value::kListValue:
      return "[]";
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      break;
  }
  return "null";
}

void AppendBlock(const Value& value, size_t indent, std::string& out);

void AppendMapping(const Struct& mapping, size_t indent, std::string& out) {
  std::vector<std::string_view> keys;
  for (const auto& [key, unused] : mapping.fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (std::string_view key : keys) {
    const Value& value = mapping.fields().at(std::string(key));
    out.append(indent, ' ').append(String(key)).append(":");
    if (IsBlock(value)) {
      out += '\n';
      AppendBlock(value, indent + 2, out);
    } else {
      out.append(" ").append(Inline(value)).append("\n");
    }
  }
}

// Each item's block is written as if two columns in, then its first two columns become "- ",
// which puts a nested mapping's first key on the dash's line, as YAML writers do.
void AppendSequence(const ListValue& sequence, size_t indent, std::string& out) {
  for (const Value& item : sequence.values()) {
    if (!IsBlock(item)) {
      out.append(indent, ' ').append("- ").append(Inline(item)).append("\n");
      continue;
    }
    std::string block;
    AppendBlock(item, indent + 2, block);
    block.replace(indent, 2, "- ");
    out += block;
  }
}

void AppendBlock(const Value& value, size_t indent, std::string& out) {
  if (value.has_struct_value()) {
    AppendMapping(value.struct_value(), indent, out);
  } else {
    AppendSequence(value.list_value(), indent, out);
  }
}

}  // namespace

std::string ValueToYaml(const Value& value) {
  if (!IsBlock(value)) return Inline(value) + "\n";
  std::string out;
  AppendBlock(value, 0, out);
  return out;
}

}  // namespace herald::admin
