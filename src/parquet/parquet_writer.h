// A Parquet file writer of KalamDB's own (spec/storage.md § Cold tier): format version 2,
// DATA_PAGE_V2 pages, dictionary encoding where it pays and PLAIN otherwise, Snappy or
// Zstd, min/max/null_count statistics per column chunk, one or more row groups.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "parquet/parquet_schema.h"

namespace kalam::parquet {

struct WriterOptions {
  Compression compression = Compression::kSnappy;
  int zstd_level = 3;
  size_t row_group_rows = 122'880;    // rows buffered before a row group is written
  size_t page_rows = 20'000;          // a data page holds at most this many values
  size_t page_bytes = 1 << 20;        // and about this many bytes of values
  size_t dictionary_bytes = 1 << 20;  // a dictionary larger than this falls back to PLAIN
  std::vector<KeyValue> key_value_metadata;
  std::string created_by = "KalamDB";
};

// The file-wide statistics of one column, in KalamDB's stored form (value_coercion.h):
// what the manifest keeps per segment. min/max are absent when the column has no
// non-NULL value, for a DOUBLE column with only NaN, and for TEXT/BYTES/JSON values
// longer than kMaxStatisticsBytes.
struct ColumnSummary {
  std::optional<Value> min;
  std::optional<Value> max;
  int64_t null_count = 0;
};

inline constexpr size_t kMaxStatisticsBytes = 256;

class ParquetWriter {
 public:
  // Receives the file's bytes in order; a failing sink fails the write.
  using Sink = std::function<Status(std::string_view)>;

  ParquetWriter(std::vector<ColumnSpec> columns, WriterOptions options, Sink sink);
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Appends one row: one value per column in stored form. A value of the wrong form, a
  // NULL in a non-nullable column or a DATE/INT outside its physical range → kInvalidArgument
  // (nothing of the row is kept). Writes a row group every options.row_group_rows rows.
  Status append_row(const std::vector<Value>& row);

  // Writes the last row group and the footer. REQUIRES: called once; no append after it.
  Status finish();

  int64_t rows_written() const;
  uint64_t bytes_written() const;
  const std::vector<ColumnSpec>& columns() const;
  // Valid after finish().
  const std::vector<ColumnSummary>& column_summaries() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Writes a whole file into memory (tests and small files).
Result<std::string> write_parquet(const std::vector<ColumnSpec>& columns,
                                  const std::vector<std::vector<Value>>& rows, const WriterOptions& options);

}  // namespace kalam::parquet
