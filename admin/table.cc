#include "admin/table.h"

#include <algorithm>
#include <utility>

namespace herald::admin {
namespace {

// Terminal width of `s`, taking each UTF-8 code point as one column.
size_t Width(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string Table::Render(Headers headers) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  };
  if (headers == kWithHeaders) measure(headers_);
  for (const auto& row : rows_) measure(row);

  std::string out;
  auto render = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    // Trailing empty cells would leave blanks at the end of the line.
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  if (headers == kWithHeaders) render(headers_);
  for (const auto& row : rows_) render(row);
  return out;
}

}  // namespace herald::admin
