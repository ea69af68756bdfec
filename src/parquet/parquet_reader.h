// A reader of the Parquet files ParquetWriter writes (flat schemas; PLAIN and dictionary
// encodings; DATA_PAGE and DATA_PAGE_V2; Snappy, Zstd or none), with column projection
// and per-row-group statistics for skipping. Every read is bounds-checked: a corrupt file
// gives kInternalStorageError, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "parquet/parquet_metadata.h"
#include "parquet/parquet_schema.h"

namespace kalam::parquet {

// Statistics of one column chunk in KalamDB's stored form; a bound is absent when the
// file has none for the chunk.
struct ChunkStats {
  std::optional<Value> min;
  std::optional<Value> max;
  std::optional<int64_t> null_count;
};

class ParquetReader {
 public:
  // Parses the footer of the whole file in `data`, which the caller keeps alive and
  // unchanged while the reader is used. Malformed → kInternalStorageError; a column type
  // KalamDB does not read → kNotImplemented.
  static Result<std::unique_ptr<ParquetReader>> open(std::string_view data);

  const std::vector<ColumnSpec>& columns() const { return columns_; }
  const FileMetaData& metadata() const { return metadata_; }
  int64_t num_rows() const { return metadata_.num_rows; }
  size_t row_group_count() const { return metadata_.row_groups.size(); }
  int64_t row_group_rows(size_t group) const { return metadata_.row_groups[group].num_rows; }
  // The index of the column named `name`, if any.
  std::optional<size_t> find_column(std::string_view name) const;
  // REQUIRES: group < row_group_count(), column < columns().size().
  ChunkStats chunk_stats(size_t group, size_t column) const;

  // Appends the chunk's values (stored form; NULL as monostate) to *out.
  // REQUIRES: group < row_group_count(), column < columns().size().
  Status read_column(size_t group, size_t column, std::vector<Value>* out) const;

 private:
  ParquetReader() = default;

  std::string_view data_;
  FileMetaData metadata_;
  std::vector<ColumnSpec> columns_;
  std::vector<SchemaElement> leaves_;
};

}  // namespace kalam::parquet
