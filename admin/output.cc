#include "admin/output.h"

#include "admin/yaml.h"
#include "google/protobuf/util/json_util.h"

namespace herald::admin {

const std::vector<std::pair<std::string, OutputFormat>>& OutputFormatNames() {
  static const auto* names = new std::vector<std::pair<std::string, OutputFormat>>{
      {"table", OutputFormat::kTable},
      {"wide", OutputFormat::kWide},
      {"json", OutputFormat::kJson},
      {"yaml", OutputFormat::kYaml},
  };
  return *names;
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  // Cannot fail for a message of a type linked into heraldctl.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string MessageToYaml(const google::protobuf::Message& message) {
  google::protobuf::Value value;
  // Cannot fail: the text is the JSON printer's own output.
  (void)google::protobuf::util::JsonStringToMessage(MessageToJson(message), &value);
  return ValueToYaml(value);
}

google::protobuf::Struct OneField(const std::string& key, const std::string& value) {
  google::protobuf::Struct object;
  (*object.mutable_fields())[key].set_string_value(value);
  return object;
}

Printer::Printer(OutputFormat format, Table::Headers headers, std::ostream& out)
    : format_(format), headers_(headers), out_(out) {}

bool Printer::structured() const {
  return format_ == OutputFormat::kJson || format_ == OutputFormat::kYaml;
}

void Printer::Print(const google::protobuf::Message& message) {
  if (format_ == OutputFormat::kYaml) {
    if (documents_ > 0) out_ << "---\n";
    out_ << MessageToYaml(message);
  } else {
    out_ << MessageToJson(message) << "\n";
  }
  ++documents_;
  out_.flush();
}

void Printer::Print(const Table& table) { out_ << table.Render(headers_) << std::flush; }

void Printer::PrintLine(std::string_view line) { out_ << line << "\n" << std::flush; }

}  // namespace herald::admin
