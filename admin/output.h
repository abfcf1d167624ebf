// heraldctl's output: -o table|wide|json|yaml and --no-headers.
//
//   Printer out(OutputFormat::kJson, Table::kWithHeaders, std::cout);
//   if (out.structured()) {
//     out.Print(topic);                  // {"name":"orders",...}
//   } else {
//     Table table(...);
//     out.Print(table);
//   }
//
// JSON and YAML are protobuf's JSON mapping of a message (field names as in the .proto; 64-bit
// integers as strings; bytes as base64). JSON is one document per line, so a stream (tail)
// prints one line per event; YAML documents after the first are preceded by "---".
#ifndef HERALD_ADMIN_OUTPUT_H_
#define HERALD_ADMIN_OUTPUT_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/table.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace herald::admin {

enum class OutputFormat { kTable, kWide, kJson, kYaml };

// The names -o takes, in the order help lists them.
const std::vector<std::pair<std::string, OutputFormat>>& OutputFormatNames();

// A message's JSON: one line, every field present (zeros included), names as in the .proto.
std::string MessageToJson(const google::protobuf::Message& message);

// A message's JSON form as a YAML document (admin/yaml.h).
std::string MessageToYaml(const google::protobuf::Message& message);

// A one-field object ({"deleted":"orders"}), for results that are a sentence in a table.
google::protobuf::Struct OneField(const std::string& key, const std::string& value);

// Writes one run's results to `out`. Not thread-safe: one thread prints.
class Printer {
 public:
  Printer(OutputFormat format, Table::Headers headers, std::ostream& out);

  // JSON or YAML: print messages rather than tables.
  bool structured() const;
  // -o wide: tables with their extra columns.
  bool wide() const { return format_ == OutputFormat::kWide; }

  // One document, flushed, so that a reader of a pipe sees each as it comes.
  void Print(const google::protobuf::Message& message);
  void Print(const Table& table);
  // A line of a stream's table output (tail, publish --stream), flushed.
  void PrintLine(std::string_view line);

 private:
  OutputFormat format_;
  Table::Headers headers_;
  std::ostream& out_;
  int documents_ = 0;
};

}  // namespace herald::admin

#endif  // HERALD_ADMIN_OUTPUT_H_
