// Aligned text tables for heraldctl's human output.
//
//   Table table({"NAME", "EVENTS"});
//   table.AddRow({"orders", "42"});
//   std::cout << table.Render();                  // NAME    EVENTS\norders  42\n
//   std::cout << table.Render(Table::kNoHeaders);  // orders  42\n
#ifndef HERALD_ADMIN_TABLE_H_
#define HERALD_ADMIN_TABLE_H_

#include <string>
#include <vector>

namespace herald::admin {

// A value type. Distinct objects: safe. Shared objects: unsafe.
class Table {
 public:
  enum Headers { kWithHeaders, kNoHeaders };

  explicit Table(std::vector<std::string> headers);

  // Rows shorter than the header are padded with empty cells; longer ones are cut.
  void AddRow(std::vector<std::string> row);
  size_t rows() const { return rows_.size(); }

  // Columns separated by two spaces, each as wide as its widest cell (counted in UTF-8 code
  // points); lines carry no trailing blanks. Without headers, only the rows are measured.
  std::string Render(Headers headers = kWithHeaders) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace herald::admin

#endif  // HERALD_ADMIN_TABLE_H_
