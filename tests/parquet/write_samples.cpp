// kalam_parquet_samples OUT_DIR: writes every_type_{none,snappy,zstd}.parquet with our
// writer and expected.json (column names, the types DuckDB must report, every value in a
// comparable form), for duckdb_check.mjs to read back with DuckDB.
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "parquet/parquet_writer.h"
#include "parquet/sample_rows.h"

using namespace kalam;
using namespace kalam::parquet;

namespace {

constexpr int64_t kRows = 3000;

std::string duckdb_type(const ColumnSpec& column) {
  switch (column.type) {
    case DataType::kBoolean:
      return "BOOLEAN";
    case DataType::kSmallInt:
      return "SMALLINT";
    case DataType::kInt:
      return "INTEGER";
    case DataType::kBigInt:
      return "BIGINT";
    case DataType::kFloat:
    case DataType::kDouble:
      return "DOUBLE";
    case DataType::kDecimal:
      return "DECIMAL(" + std::to_string(column.precision) + "," + std::to_string(column.scale) + ")";
    case DataType::kText:
    case DataType::kAny:
      return "VARCHAR";
    case DataType::kBytes:
      return "BLOB";
    case DataType::kJson:
      return "JSON";
    case DataType::kTimestamp:
      return "TIMESTAMP WITH TIME ZONE";
    case DataType::kDate:
      return "DATE";
    case DataType::kTime:
      return "TIME";
    case DataType::kUuid:
      return "UUID";
  }
  return "?";
}

// The value as duckdb_check.mjs compares it: integers and temporal values as decimal
// text (µs or days), doubles as text Number() parses exactly, bytes as upper-case hex.
boost::json::value comparable(const Value& value, const ColumnSpec& column) {
  if (is_null(value)) return nullptr;
  if (std::holds_alternative<bool>(value)) return std::get<bool>(value);
  if (std::holds_alternative<int64_t>(value))
    return boost::json::string(std::to_string(std::get<int64_t>(value)));
  if (std::holds_alternative<double>(value)) {
    const double number = std::get<double>(value);
    if (std::isnan(number)) return "NaN";
    if (std::isinf(number)) return number > 0 ? "Infinity" : "-Infinity";
    char text[40];
    std::snprintf(text, sizeof(text), "%.17g", number);
    return boost::json::string(text);
  }
  const std::string& text = std::get<std::string>(value);
  if (column.type != DataType::kBytes) return boost::json::string(text);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string hex;
  for (char c : text) {
    hex += kHex[static_cast<uint8_t>(c) >> 4];
    hex += kHex[static_cast<uint8_t>(c) & 0x0F];
  }
  return boost::json::string(hex);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kalam_parquet_samples OUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<ColumnSpec> columns = samples::every_type_columns();
  std::vector<std::vector<Value>> rows;
  for (int64_t n = 0; n < kRows; ++n) rows.push_back(samples::sample_row(n));

  boost::json::object expected;
  boost::json::array column_list;
  for (const ColumnSpec& column : columns) {
    column_list.push_back(boost::json::object{{"name", column.name}, {"duckdb_type", duckdb_type(column)}});
  }
  expected["columns"] = column_list;
  boost::json::array row_list;
  for (const auto& row : rows) {
    boost::json::array out;
    for (size_t idx = 0; idx < row.size(); ++idx) out.push_back(comparable(row[idx], columns[idx]));
    row_list.push_back(out);
  }
  expected["rows"] = row_list;
  expected["row_group_rows"] = 1000;

  boost::json::array files;
  for (const auto& [name, compression] :
       {std::pair{"none", Compression::kNone}, std::pair{"snappy", Compression::kSnappy},
        std::pair{"zstd", Compression::kZstd}}) {
    WriterOptions options;
    options.compression = compression;
    options.row_group_rows = 1000;
    options.page_rows = 400;
    auto file = write_parquet(columns, rows, options);
    if (!file.is_ok()) {
      std::cerr << file.status().to_string() << "\n";
      return 1;
    }
    const std::string path = dir + "/every_type_" + name + ".parquet";
    std::ofstream(path, std::ios::binary) << *file;
    files.push_back(boost::json::object{{"path", path},
                                        {"codec", compression == Compression::kNone     ? "UNCOMPRESSED"
                                                  : compression == Compression::kSnappy ? "SNAPPY"
                                                                                        : "ZSTD"}});
  }
  expected["files"] = files;
  std::ofstream(dir + "/expected.json") << boost::json::serialize(expected);
  return 0;
}
